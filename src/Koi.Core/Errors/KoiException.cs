namespace Koi.Core.Errors;

/// <summary>A failure the API reports as <c>{"error": Code, "message": Message}</c> with the code's HTTP status.</summary>
public class KoiException : Exception
{
    public KoiException(string code, string message)
        : base(message)
    {
        Code = code;
    }

    public KoiException(string code, string message, Exception inner)
        : base(message, inner)
    {
        Code = code;
    }

    public KoiException()
        : this(KoiErrorCode.Internal, "internal error")
    {
    }

    public KoiException(string message)
        : this(KoiErrorCode.Internal, message)
    {
    }

    public KoiException(string message, Exception inner)
        : this(KoiErrorCode.Internal, message, inner)
    {
    }

    public string Code { get; }

    public int HttpStatus => KoiErrorStatus.For(Code);

    /// <summary>Seconds a client should wait before retrying, for <c>rate_limited</c>.</summary>
    public int? RetryAfterSeconds { get; init; }
}
