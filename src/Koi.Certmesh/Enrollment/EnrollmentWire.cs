using System.Text.Json.Serialization;

namespace Koi.Certmesh.Enrollment;

/// <summary><c>POST /v1/certmesh/join</c> (LAN): the joiner's name, its CSR, a current code, the addresses it claims.</summary>
internal sealed record JoinRequest(string? Hostname, string? Csr, string? TotpCode, IReadOnlyList<string>? Addresses);

/// <summary>A signed join: the CA and the joiner's certificate (never a key) and where the joiner keeps them.</summary>
internal sealed record JoinIssued(
    string Hostname,
    string CaCert,
    string ServiceCert,
    string CaFingerprint,
    string CertPath,
    IReadOnlyList<string> Sans,
    DateTimeOffset Expires);

/// <summary>A join waiting for approval (202): the joiner polls <c>GET /join/{request_id}</c>.</summary>
internal sealed record JoinPending(string RequestId, string Status, string Hostname);

/// <summary>Either <see cref="Issued"/> (200) or <see cref="Pending"/> (202).</summary>
internal sealed record JoinOutcome(JoinIssued? Issued, JoinPending? Pending);

/// <summary><c>POST /v1/certmesh/hello</c> (LAN): a fresh random string the CA signs with its service key.</summary>
internal sealed record HelloChallenge(string? Nonce);

/// <summary>The public status subset, plus the signature that proves the answer comes from the CA's machine.</summary>
internal sealed record HelloProof(
    string Hostname,
    string CaFingerprint,
    string Profile,
    string Enrollment,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] DateTimeOffset? EnrollmentClosesAt,
    bool RequiresApproval,
    string CaCert,
    string ServiceCert,
    string Signature)
{
    /// <summary>The CA's clock when it answered, so a member can tell clock skew from an expired certificate.</summary>
    public DateTimeOffset? CaTime { get; init; }

    /// <summary>The port of the CA's mTLS plane (renewal, heartbeat); null when it is off.</summary>
    public int? MeshPort { get; init; }
}

internal sealed record PendingList(IReadOnlyList<PendingRequestView> Requests);

/// <summary>
/// One request waiting at the CA. Only requests with a valid code inside the scope are queued, so
/// <see cref="TotpValid"/> and <see cref="InScope"/> are always true; they are shown because the operator decides on them.
/// </summary>
internal sealed record PendingRequestView(
    string RequestId,
    string Hostname,
    string Address,
    IReadOnlyList<string> Addresses,
    bool TotpValid,
    bool InScope,
    DateTimeOffset RequestedAt,
    DateTimeOffset ExpiresAt)
{
    /// <summary>SHA-256 of the requesting key (SubjectPublicKeyInfo); the joiner prints the same while it waits.</summary>
    public string? KeyFingerprint { get; init; }
}

internal sealed record ApproveRequest(string? Hostname, string? ApprovedBy);

internal sealed record DenyRequest(string? Hostname, string? Reason);

internal sealed record RevokeRequest(string? Hostname, string? Reason);

/// <summary>The answer to <c>POST /v1/certmesh/revoke</c>.</summary>
/// <param name="BundleSequence">The trust bundle that names the revoked serials; null while it is not signed yet.</param>
/// <param name="Note">Why the revocation is not enforced by members yet; null when it is published.</param>
internal sealed record RevokeResult(
    string Hostname,
    DateTimeOffset RevokedAt,
    string RevokedBy,
    string? Reason,
    IReadOnlyList<string> Serials,
    long? BundleSequence,
    string? Note);

/// <summary>What <c>approve</c> did: the member it added and its certificate.</summary>
internal sealed record ApprovalView(
    string RequestId,
    string Hostname,
    string ApprovedBy,
    string Address,
    string CertFingerprint,
    DateTimeOffset Expires,
    IReadOnlyList<string> Sans);

internal sealed record DenialView(string RequestId, string Hostname, string DeniedBy, string? Reason);
