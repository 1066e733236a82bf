using Koi.Certmesh.Roster;

namespace Koi.Certmesh.Revocation;

/// <summary>
/// What the CA tells every member about the mesh (docs/certmesh.md, "Trust bundle"): its certificate, the serials it
/// revoked, its certificate policy and the CRL, under a sequence number that only grows. Signed as a whole
/// (<see cref="SignedTrustBundle"/>); a member applies a bundle only if it is signed by its pinned CA and not older
/// than the one it holds.
/// </summary>
/// <param name="CaCert">The CA certificate, PEM.</param>
/// <param name="Epoch">The signing CA's epoch (docs/certmesh.md, "Failover"): each standby takeover adds one; a bundle of a lower epoch than the one held is refused.</param>
/// <param name="Crl">The X.509 CRL of the same revocations, PEM, for servers that read one (nginx <c>ssl_crl</c>).</param>
/// <param name="AuditHead">
/// The CA's audit log head as last signed with the CA key (docs/certmesh.md "The audit log"): members keep the highest
/// they saw, so a CA whose log (and roster) was cut back shows it to every member. Null from CAs before this field.
/// </param>
internal sealed record TrustBundle(
    int SchemaVersion,
    long Sequence,
    DateTimeOffset IssuedAt,
    string CaFingerprint,
    string CaCert,
    IReadOnlyList<RevokedCertificate> Revoked,
    CertPolicy Policy,
    string Crl,
    long Epoch = 0,
    Audit.AuditHead? AuditHead = null)
{
    public const int CurrentSchemaVersion = 1;
}

/// <param name="Serial">The certificate serial number, lowercase hex as in the DER (no leading zero byte).</param>
/// <param name="Reason">Null for a revocation; <see cref="SupersededReason"/> for a certificate a renewal replaced.</param>
internal sealed record RevokedCertificate(string Serial, string Hostname, DateTimeOffset RevokedAt, string? Reason = null)
{
    public const string SupersededReason = "superseded";
}

/// <summary>The <c>trust_bundle_published</c> event.</summary>
internal sealed record TrustBundlePublishedEvent(long Sequence, int Revoked);
