namespace Koi.Tests.Api;

internal sealed record ErrorBody(string Error, string Message);
