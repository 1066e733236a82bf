using Koi.Certmesh.Trust;

namespace Koi.Certmesh.Membership;

/// <summary>
/// <c>POST /v1/certmesh/member/join</c> on the joiner's own daemon. <see cref="ExpectedFingerprint"/> is what the user
/// confirmed or passed with <c>--fingerprint</c> (a prefix of at least <see cref="MemberJoiner.MinFingerprintPrefix"/>
/// hex digits); <see cref="AdvertisedFingerprint"/> is the mDNS TXT value; <see cref="ShownFingerprint"/> the one the
/// CLI showed from the hello without anyone confirming it. Only the first makes the join <c>confirmed</c>.
/// </summary>
internal sealed record MemberJoinRequest(string? Endpoint, string? TotpCode, string? ExpectedFingerprint, string? AdvertisedFingerprint)
{
    public string? ShownFingerprint { get; init; }
}

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
    /// <summary><c>confirmed</c> or <c>trust_on_first_use</c> (<see cref="Membership.FingerprintTrust"/>).</summary>
    public string? FingerprintTrust { get; init; }

    /// <summary>While waiting for approval: SHA-256 of this machine's key, the one <c>koi certmesh pending</c> shows on the CA.</summary>
    public string? KeyFingerprint { get; init; }

    public static MemberJoinResult Waiting(string requestId, string hostname, CaIdentity ca) =>
        new("pending", hostname, ca.Hostname, ca.Endpoint, ca.CaFingerprint, requestId, null, null, null, null) { FingerprintTrust = ca.FingerprintTrust };

    public static MemberJoinResult Enrolled(string hostname, CaIdentity ca, string certPath, IReadOnlyList<string> sans, DateTimeOffset expires, IReadOnlyList<TrustResult> trust) =>
        new("enrolled", hostname, ca.Hostname, ca.Endpoint, ca.CaFingerprint, null, certPath, sans, expires, trust) { FingerprintTrust = ca.FingerprintTrust };
}
