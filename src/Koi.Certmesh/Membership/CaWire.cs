namespace Koi.Certmesh.Membership;

/// <summary>The CA's answer to <c>POST /v1/certmesh/hello</c>: public facts plus a signature over the joiner's nonce.</summary>
internal sealed record HelloResponse(
    string Hostname,
    string CaFingerprint,
    string Profile,
    string Enrollment,
    DateTimeOffset? EnrollmentClosesAt,
    bool RequiresApproval,
    string CaCert,
    string ServiceCert,
    string Signature)
{
    public DateTimeOffset? CaTime { get; init; }

    public int? MeshPort { get; init; }
}

internal sealed record HelloRequest(string Nonce);

internal sealed record CaJoinRequest(string Hostname, string Csr, string TotpCode, IReadOnlyList<string> Addresses);

/// <summary>Either a signed certificate (<see cref="ServiceCert"/> set) or a pending request (<see cref="RequestId"/> set).</summary>
internal sealed record CaJoinResponse(
    string Hostname,
    string? CaCert,
    string? ServiceCert,
    string? CaFingerprint,
    List<string>? Sans,
    DateTimeOffset? Expires,
    string? RequestId,
    string? Status);

/// <summary>A CA that announces <c>_certmesh._tcp</c>, as mDNS last saw it.</summary>
internal sealed record DiscoveredCa(string Name, string Host, string Endpoint, string? Fingerprint, string? Profile, bool Stale);

/// <summary>
/// What a joiner learned from a verified hello: safe to show the user and to pin. <see cref="CaCert"/> and
/// <see cref="ServiceCertFingerprint"/> are what the enrollment TLS connection must present (the CA certificate the
/// fingerprint names, and the primary's own service certificate that signed the hello).
/// </summary>
internal sealed record CaIdentity(
    string Endpoint,
    string Hostname,
    string CaFingerprint,
    string Profile,
    string Enrollment,
    DateTimeOffset? EnrollmentClosesAt,
    bool RequiresApproval)
{
    public int? MeshPort { get; init; }

    /// <summary><see cref="Membership.FingerprintTrust"/>: how the joiner came to trust the fingerprint.</summary>
    public string? FingerprintTrust { get; init; }

    [System.Text.Json.Serialization.JsonIgnore]
    public string? CaCert { get; init; }

    [System.Text.Json.Serialization.JsonIgnore]
    public string? ServiceCertFingerprint { get; init; }
}

/// <summary>How a joiner came to trust a CA's fingerprint (docs/security.md "Enrollment").</summary>
internal static class FingerprintTrust
{
    /// <summary>The operator gave it (<c>--fingerprint</c>) or said yes when shown it.</summary>
    public const string Confirmed = "confirmed";

    /// <summary>Only the network said so (the mDNS TXT record or the hello itself): an attacker on the path could have.</summary>
    public const string TrustOnFirstUse = "trust_on_first_use";
}
