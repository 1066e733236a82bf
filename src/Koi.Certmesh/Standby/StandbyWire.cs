using Koi.Certmesh.Revocation;

namespace Koi.Certmesh.Standby;

/// <summary>
/// <c>POST /v1/certmesh/mesh/standby/promote</c>, from a member over the mTLS plane: a TOTP code read at the
/// primary's authenticator, and the member's ephemeral ECDH public key (SPKI, base64) for <see cref="KeyTransfer"/>.
/// </summary>
internal sealed record PromoteRequest(string? TotpCode, string? TransferKey);

/// <summary>The primary's answer: the CA's state sealed for this standby alone, and who hands it over.</summary>
internal sealed record PromoteResponse(string PrimaryHostname, string CaFingerprint, long Epoch, SealedTransfer Sealed);

/// <summary>
/// <c>POST /v1/certmesh/mesh/standby/sync</c>: the primary's roster and audit log as it holds them, with its trust
/// bundle. The manifest binds the three (by SHA-256) and is signed with the CA key, so the standby can tell they
/// come from the CA and belong together.
/// </summary>
internal sealed record StandbySyncResponse(SignedManifest Manifest, string Roster, string AuditLog, SignedTrustBundle? Bundle);

/// <summary>A <see cref="SyncManifest"/>'s exact JSON bytes (base64) and the CA's ECDSA P-256/SHA-256 signature over them.</summary>
internal sealed record SignedManifest(string Payload, string Signature);

/// <summary>What a sync says about the primary: who, under which epoch, when, and the hashes of what came with it.</summary>
internal sealed record SyncManifest(
    string PrimaryHostname,
    string CaFingerprint,
    long Epoch,
    DateTimeOffset At,
    string RosterSha256,
    string AuditLogSha256,
    string AuditHead,
    long? BundleSequence);

/// <summary>
/// <c>POST /v1/certmesh/mesh/standby/probe</c> (any member): the answering CA's signed claim of role and epoch. A
/// claim is believed only when its signature verifies under the pinned CA certificate.
/// </summary>
internal sealed record RoleClaim(string Hostname, string CaFingerprint, string Role, long Epoch, DateTimeOffset Since, DateTimeOffset At);
