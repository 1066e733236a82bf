using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Koi.Certmesh.Authority;
using Koi.Certmesh.Crypto;
using Koi.Certmesh.Issuing;
using Koi.Certmesh.Roster;
using Koi.Certmesh.Trust;
using Koi.Core.Errors;
using Koi.Core.Storage;
using Microsoft.Extensions.Logging;

namespace Koi.Certmesh.Backup;

/// <summary>
/// <c>koi certmesh backup</c> and <c>restore</c> (docs/certmesh.md, "Backup and restore"): the unlocked CA sealed
/// under a backup passphrase of its own, and a machine made the CA again from such a file. Both are audited; a
/// refused or failed restore changes nothing.
/// </summary>
internal sealed partial class CaBackup(
    CaContext ca, CaVault vault, CaLifecycle lifecycle, MeshIssuer issuer, CaTrust trust, EnrollmentWindow window, CertmeshAnnouncer announcer)
{
    /// <summary>Seals the unlocked CA. The passphrase must be strong and must not be the unlock passphrase.</summary>
    public Task<BackupResult> BackupAsync(string passphrase, CancellationToken cancellationToken) => ca.SerializedAsync(async () =>
    {
        var roster = ca.RequireInitialized();
        var secrets = vault.RequireUnlocked("backup");
        if (PassphraseGenerator.CheckManual(passphrase) is { } rule)
        {
            ca.Audit.Write("denied", ("action", "backup"), ("reason", "weak_passphrase"));
            throw new KoiException(KoiErrorCode.InvalidRequest, $"backup passphrase: {rule}");
        }

        // A backup opened by the unlock passphrase would make the two secrets one; trying it on the key file says so.
        if (await Task.Run(() => OpensCaKey(passphrase), cancellationToken))
        {
            ca.Audit.Write("denied", ("action", "backup"), ("reason", "same_as_unlock_passphrase"));
            throw new KoiException(KoiErrorCode.InvalidRequest, "the backup passphrase must differ from the unlock passphrase");
        }

        var now = ca.Now;
        var fingerprint = roster.Metadata.CaFingerprint;
        // Audited before the log is read, so the backup carries its own record.
        ca.Audit.Write("backup_created", ("ca_fingerprint", fingerprint), ("members", roster.Members.Count.ToString(CultureInfo.InvariantCulture)));
        var contents = BackupContents.Capture(ca, secrets, roster, now);
        var sealedText = await Task.Run(() => BackupCodec.Seal(contents, passphrase), cancellationToken);
        LogBackedUp(ca.Logger, fingerprint);
        return new BackupResult(sealedText, fingerprint, roster.Members.Count, now);
    }, cancellationToken);

    /// <summary>
    /// Makes this machine the CA from a backup: opened first (a wrong passphrase or a damaged file stops here, with
    /// nothing changed), then an existing CA is refused unless <paramref name="force"/>, then the state is written
    /// with the new unlock passphrase and this machine's own certificate replaces the old primary's.
    /// </summary>
    public async Task<RestoreResult> RestoreAsync(string backupText, string backupPassphrase, string newPassphrase, bool force, CancellationToken cancellationToken)
    {
        if (PassphraseGenerator.CheckManual(newPassphrase) is { } rule)
        {
            throw new KoiException(KoiErrorCode.InvalidRequest, $"new unlock passphrase: {rule}");
        }

        if (newPassphrase == backupPassphrase)
        {
            throw new KoiException(KoiErrorCode.InvalidRequest, "the new unlock passphrase must differ from the backup passphrase");
        }

        BackupContents contents;
        try
        {
            contents = await Task.Run(() => BackupCodec.Open(backupText, backupPassphrase), cancellationToken);
        }
        catch (CryptographicException)
        {
            ca.Audit.Write("restore_failed", ("reason", "wrong_backup_passphrase"));
            LogRestoreRefused(ca.Logger, "wrong backup passphrase or a changed file");
            throw new KoiException(KoiErrorCode.Unauthorized, "wrong backup passphrase (or the file was changed); nothing was changed");
        }
        catch (InvalidDataException ex)
        {
            ca.Audit.Write("restore_failed", ("reason", "not_a_backup"));
            throw new KoiException(KoiErrorCode.InvalidRequest, $"{ex.Message}; nothing was changed");
        }

        var restored = Materialize(contents);
        try
        {
            if (ca.Roster.Current is { } existing)
            {
                if (!force)
                {
                    ca.Audit.Write("restore_refused", ("reason", "ca_exists"), ("backup_ca_fingerprint", contents.CaFingerprint));
                    throw new KoiException(
                        KoiErrorCode.Conflict,
                        $"a certmesh CA already exists here (fingerprint {existing.Metadata.CaFingerprint}); restore --force replaces it");
                }

                ca.Audit.Write("ca_replaced_by_restore", ("backup_ca_fingerprint", contents.CaFingerprint));
                await lifecycle.DestroyAsync(cancellationToken);
            }

            return await ca.SerializedAsync(() => WriteAsync(contents, restored, newPassphrase, cancellationToken), cancellationToken);
        }
        catch
        {
            restored.Dispose();
            throw;
        }
    }

    private async Task<RestoreResult> WriteAsync(BackupContents contents, RestoredCa restored, string newPassphrase, CancellationToken cancellationToken)
    {
        if (ca.Roster.Current is { } raced)
        {
            throw new KoiException(KoiErrorCode.Conflict, $"a certmesh CA was created here meanwhile (fingerprint {raced.Metadata.CaFingerprint})");
        }

        lifecycle.ClearLeftovers();
        CaLifecycle.CreatePrivateDirectory(ca.Files.Dir);
        CaLifecycle.CreatePrivateDirectory(ca.Files.CaDir);
        var now = ca.Now;
        var hostname = ca.Hostname;
        var salt = KeyVault.NewSalt();
        var encryptedKey = Task.Run(() => KeyVault.EncryptKey(restored.CaKey, newPassphrase), cancellationToken);
        var sealingKey = await Task.Run(() => KeyVault.DeriveSecretKey(newPassphrase, salt), cancellationToken);
        AtomicFile.WriteAllText(ca.Files.CaKey, await encryptedKey, AtomicFile.SecretMode);
        AtomicFile.WriteAllText(ca.Files.TotpSecret, KeyVault.Serialize(KeyVault.Seal(restored.TotpSecret, sealingKey, salt)), AtomicFile.SecretMode);
        AtomicFile.WriteAllText(ca.Files.CaCert, contents.CaCertPem);
        AtomicFile.WriteAllText(ca.Files.AuditKey, contents.AuditKeyPem, AtomicFile.SecretMode);
        AtomicFile.WriteAllText(ca.Files.AuditLog, contents.AuditLog, AtomicFile.SecretMode);
        ca.Audit.Open();

        // The old primary's machine is gone; this one becomes the primary with a certificate of its own. Auto-unlock
        // was sealed to the old machine and is off until set up again here.
        var old = restored.Roster;
        var (own, certPath) = issuer.IssueOwn(restored.CaCert, restored.CaKey, hostname, old.Metadata.DomainScope, old.Metadata.SubnetScope, old.Metadata.Policy, now);
        RosterMember primary;
        using (own)
        {
            primary = new RosterMember
            {
                Hostname = hostname,
                Role = MemberRole.Primary,
                EnrolledAt = now,
                EnrolledBy = "restore",
                CertFingerprint = CertificateAuthorityFactory.Fingerprint(own),
                CertExpires = own.NotAfter.ToUniversalTime(),
                CertSans = [.. CaLifecycle.SanStrings(own)],
                CertPath = certPath,
                PinnedCaFingerprint = contents.CaFingerprint,
                LastSeen = now,
            };
        }

        var roster = old with
        {
            Metadata = old.Metadata with { AutoUnlock = false, AutoUnlockMethod = null },
            Members = [primary, .. old.Members.Where(m => m.Role != MemberRole.Primary && m.Hostname != hostname)],
        };
        ca.Roster.Replace(roster);
        ca.Audit.Write("ca_restored", ("ca_fingerprint", contents.CaFingerprint), ("backup_created_on", contents.CreatedOn),
            ("backup_created_at", contents.CreatedAt.ToString("O", CultureInfo.InvariantCulture)), ("hostname", hostname));

        vault.Adopt(restored.CaCert, new UnlockedSecrets(restored.CaKey, sealingKey, salt, [.. restored.TotpSecret]));
        CryptographicOperations.ZeroMemory(restored.TotpSecret);
        window.Reconcile(roster);
        ca.Health.Running("unlocked");
        LogRestored(ca.Logger, contents.CaFingerprint, contents.CreatedOn);
        var caPem = contents.CaCertPem;
        await trust.InstallUnderGateAsync(caPem, contents.CaFingerprint, cancellationToken);
        await announcer.AnnounceAsync(hostname, contents.CaFingerprint, CreatePlan.ProfileFlag(roster.Metadata.TrustProfile), cancellationToken);
        ca.Publish("ca_restored", new CaRestoredEvent(contents.CaFingerprint, contents.CreatedOn));
        return new RestoreResult(contents.CaFingerprint, contents.CreatedOn, contents.CreatedAt, roster.Members.Count, certPath);
    }

    /// <summary>Parses and cross-checks the sealed contents before anything is written: the key must match the certificate.</summary>
    private static RestoredCa Materialize(BackupContents contents)
    {
        ECDsa? key = null;
        try
        {
            key = ECDsa.Create();
            key.ImportPkcs8PrivateKey(Convert.FromBase64String(contents.CaKeyPkcs8), out _);
            var cert = X509Certificate2.CreateFromPem(contents.CaCertPem);
            if (CertificateAuthorityFactory.Fingerprint(cert) != contents.CaFingerprint)
            {
                throw new KoiException(KoiErrorCode.InvalidRequest, "the backup's CA certificate does not have the fingerprint it names; nothing was changed");
            }

            using var certKey = cert.GetECDsaPublicKey();
            if (certKey is null || !certKey.ExportSubjectPublicKeyInfo().AsSpan().SequenceEqual(key.ExportSubjectPublicKeyInfo()))
            {
                throw new KoiException(KoiErrorCode.InvalidRequest, "the backup's CA key does not belong to its certificate; nothing was changed");
            }

            var roster = JsonSerializer.Deserialize(contents.Roster, CertmeshJsonContext.Default.RosterDocument)
                ?? throw new KoiException(KoiErrorCode.InvalidRequest, "the backup holds no roster; nothing was changed");
            return new RestoredCa(key, cert, Convert.FromBase64String(contents.TotpSecret), roster);
        }
        catch (Exception ex) when (ex is CryptographicException or FormatException or JsonException or ArgumentException)
        {
            key?.Dispose();
            throw new KoiException(KoiErrorCode.InvalidRequest, $"the backup's contents are damaged ({ex.GetType().Name}); nothing was changed");
        }
        catch
        {
            key?.Dispose();
            throw;
        }
    }

    private bool OpensCaKey(string passphrase)
    {
        try
        {
            KeyVault.DecryptKey(File.ReadAllText(ca.Files.CaKey), passphrase).Dispose();
            return true;
        }
        catch (CryptographicException)
        {
            return false;
        }
    }

    private sealed record RestoredCa(ECDsa CaKey, X509Certificate2 CaCert, byte[] TotpSecret, RosterDocument Roster) : IDisposable
    {
        public void Dispose()
        {
            CaKey.Dispose();
            CaCert.Dispose();
            CryptographicOperations.ZeroMemory(TotpSecret);
        }
    }
}

/// <summary>What <c>POST /v1/certmesh/backup</c> answers: the sealed file's text, for the CLI to write (0600).</summary>
internal sealed record BackupResult(string Backup, string CaFingerprint, int Members, DateTimeOffset CreatedAt);

/// <summary>What <c>POST /v1/certmesh/restore</c> answers.</summary>
internal sealed record RestoreResult(string CaFingerprint, string BackupCreatedOn, DateTimeOffset BackupCreatedAt, int Members, string CertPath);

/// <summary>The <c>ca_restored</c> event's payload.</summary>
internal sealed record CaRestoredEvent(string CaFingerprint, string BackupCreatedOn);
