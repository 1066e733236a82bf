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

/// <summary>What a joiner learned from a verified hello: safe to show the user and to pin.</summary>
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
}
