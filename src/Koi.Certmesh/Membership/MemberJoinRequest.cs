using Koi.Certmesh.Trust;

namespace Koi.Certmesh.Membership;

/// <summary>
/// <c>POST /v1/certmesh/member/join</c> on the joiner's own daemon. <see cref="ExpectedFingerprint"/> is what the user
/// confirmed or passed with <c>--fingerprint</c>; <see cref="AdvertisedFingerprint"/> is the mDNS TXT value.
/// </summary>
internal sealed record MemberJoinRequest(string? Endpoint, string? TotpCode, string? ExpectedFingerprint, string? AdvertisedFingerprint);

internal sealed record MemberJoinResult(
    string Status,
    string Hostname,
    string CaHostname,
    string CaEndpoint,
    string CaFingerprint,
    string? RequestId,
    string? CertPath,
    IReadOnlyList<string>? Sans,
    DateTimeOffset? Expires,
    IReadOnlyList<TrustResult>? Trust)
{
    public static MemberJoinResult Waiting(string requestId, string hostname, CaIdentity ca) =>
        new("pending", hostname, ca.Hostname, ca.Endpoint, ca.CaFingerprint, requestId, null, null, null, null);

    public static MemberJoinResult Enrolled(string hostname, CaIdentity ca, string certPath, IReadOnlyList<string> sans, DateTimeOffset expires, IReadOnlyList<TrustResult> trust) =>
        new("enrolled", hostname, ca.Hostname, ca.Endpoint, ca.CaFingerprint, null, certPath, sans, expires, trust);
}
