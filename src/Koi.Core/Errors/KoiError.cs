namespace Koi.Core.Errors;

/// <summary>The error body of every failed API call.</summary>
public sealed record KoiError(string Error, string Message);
