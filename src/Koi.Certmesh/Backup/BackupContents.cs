using System.Text.Json;
using Koi.Certmesh.Authority;
using Koi.Certmesh.Roster;

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
    string Roster)
{
    /// <summary>
    /// The CA as it is now (a backup, or a standby's handover): read after the caller audited the act, so the copied
    /// log carries its own record.
    /// </summary>
    public static BackupContents Capture(CaContext ca, UnlockedSecrets secrets, RosterDocument roster, DateTimeOffset now) => new(
        BackupFile.CurrentVersion,
        roster.Metadata.CaFingerprint,
        ca.Hostname,
        now,
        Convert.ToBase64String(secrets.CaKey.ExportPkcs8PrivateKey()),
        File.ReadAllText(ca.Files.CaCert),
        Convert.ToBase64String(secrets.TotpSecret),
        File.ReadAllText(ca.Files.AuditKey),
        File.ReadAllText(ca.Files.AuditLog),
        JsonSerializer.Serialize(roster, CertmeshJsonContext.Default.RosterDocument));
}
