namespace Koi.Core.Errors;

/// <summary>The error codes of koi's API. Each maps to exactly one HTTP status in <see cref="KoiErrorStatus"/>.</summary>
public static class KoiErrorCode
{
    public const string InvalidRequest = "invalid_request";
    public const string Unauthorized = "unauthorized";
    public const string Forbidden = "forbidden";
    public const string NotFound = "not_found";
    public const string MethodNotAllowed = "method_not_allowed";
    public const string Conflict = "conflict";
    public const string PayloadTooLarge = "payload_too_large";
    public const string UnsupportedMediaType = "unsupported_media_type";
    public const string RateLimited = "rate_limited";
    public const string Internal = "internal";
    public const string Unavailable = "unavailable";
    public const string CaNotInitialized = "ca_not_initialized";
    public const string CaLocked = "ca_locked";
    public const string InvalidTotp = "invalid_totp";
    public const string EnrollmentClosed = "enrollment_closed";
    public const string CeremonyNotFound = "ceremony_not_found";
    public const string SessionExpired = "session_expired";
    public const string OutOfScope = "out_of_scope";
    public const string Revoked = "revoked";
    public const string JoinDenied = "join_denied";
    public const string TlsRequired = "tls_required";
    public const string CaFingerprintMismatch = "ca_fingerprint_mismatch";
    public const string CaUnreachable = "ca_unreachable";
    public const string StorageUnavailable = "storage_unavailable";
}
