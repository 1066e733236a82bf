using System.Collections.Frozen;

namespace Koi.Core.Errors;

/// <summary>The single table from error code to HTTP status. docs/api.md prints the same table.</summary>
public static class KoiErrorStatus
{
    public static FrozenDictionary<string, int> Table { get; } = new Dictionary<string, int>
    {
        [KoiErrorCode.InvalidRequest] = 400,
        [KoiErrorCode.Unauthorized] = 401,
        [KoiErrorCode.InvalidTotp] = 401,
        [KoiErrorCode.Forbidden] = 403,
        [KoiErrorCode.EnrollmentClosed] = 403,
        [KoiErrorCode.OutOfScope] = 403,
        [KoiErrorCode.Revoked] = 403,
        [KoiErrorCode.JoinDenied] = 403,
        [KoiErrorCode.TlsRequired] = 403,
        [KoiErrorCode.NotFound] = 404,
        [KoiErrorCode.CeremonyNotFound] = 404,
        [KoiErrorCode.SessionExpired] = 404,
        [KoiErrorCode.MethodNotAllowed] = 405,
        [KoiErrorCode.Conflict] = 409,
        [KoiErrorCode.PayloadTooLarge] = 413,
        [KoiErrorCode.UnsupportedMediaType] = 415,
        [KoiErrorCode.RateLimited] = 429,
        [KoiErrorCode.Internal] = 500,
        [KoiErrorCode.CaFingerprintMismatch] = 502,
        [KoiErrorCode.CaUnreachable] = 502,
        [KoiErrorCode.Unavailable] = 503,
        [KoiErrorCode.CaNotInitialized] = 503,
        [KoiErrorCode.CaLocked] = 503,
        [KoiErrorCode.StorageUnavailable] = 503,
    }.ToFrozenDictionary(StringComparer.Ordinal);

    public static int For(string code) => Table.TryGetValue(code, out var status) ? status : 500;
}
