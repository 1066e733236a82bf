namespace Koi.Certmesh.Backup;

/// <summary>
/// Everything a CA needs to live on another machine, as sealed inside a backup file (docs/data-layout.md, "Backup
/// file"): the CA key (unencrypted PKCS#8, only ever inside the sealed envelope), certificate, TOTP secret, the audit
/// log with its signing key, and the roster (members, revocations, policy) as it was written.
/// </summary>
internal sealed record BackupContents(
    int Version,
    string CaFingerprint,
    string CreatedOn,
    DateTimeOffset CreatedAt,
    string CaKeyPkcs8,
    string CaCertPem,
    string TotpSecret,
    string AuditKeyPem,
    string AuditLog,
    string Roster);
