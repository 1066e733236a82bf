using Koi.Certmesh.Crypto;

namespace Koi.Certmesh.Backup;

/// <summary>
/// The on-disk form of <c>koi certmesh backup FILE</c>: a clear header that says what the file is and which CA it
/// holds (the fingerprint is public anyway), and the <see cref="BackupContents"/> sealed with AES-256-GCM under a key
/// derived from the backup passphrase (PBKDF2-HMAC-SHA256, the same derivation the CA uses for its TOTP file).
/// </summary>
internal sealed record BackupFile(string Format, int Version, string CaFingerprint, string CreatedOn, DateTimeOffset CreatedAt, SealedSecret Sealed)
{
    public const string FormatName = "koi-certmesh-backup";
    public const int CurrentVersion = 1;
}
