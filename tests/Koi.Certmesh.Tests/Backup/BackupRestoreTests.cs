using Koi.Certmesh.Backup;
using Koi.Certmesh.Roster;
using Koi.Core.Errors;

namespace Koi.Certmesh.Tests.Backup;

/// <summary><c>koi certmesh backup</c> / <c>restore</c> on the authority (docs/certmesh.md, "Backup and restore").</summary>
public sealed class BackupRestoreTests
{
    private const string BackupPassphrase = "backup passphrase 77 bits";
    private const string NewPassphrase = "new unlock passphrase 9";

    [Fact]
    public async Task Backup_Unlocked_OpensOnlyWithBackupPassphraseAndHoldsKeyTotpRosterAndLog()
    {
        await using var h = new CertmeshHarness();
        var created = await h.CreateAsync();

        var result = await h.Authority.Backup.BackupAsync(BackupPassphrase, CancellationToken.None);

        var contents = BackupCodec.Open(result.Backup, BackupPassphrase);
        Assert.Equal(created.CaFingerprint, contents.CaFingerprint);
        Assert.Equal(File.ReadAllText(h.Files.CaCert), contents.CaCertPem);
        Assert.Contains("backup_created", contents.AuditLog, StringComparison.Ordinal);
        Assert.Contains("stone-a", contents.Roster, StringComparison.Ordinal);
        Assert.DoesNotContain(contents.CaKeyPkcs8, result.Backup, StringComparison.Ordinal);
        Assert.Throws<System.Security.Cryptography.AuthenticationTagMismatchException>(() => BackupCodec.Open(result.Backup, CertmeshHarness.Passphrase));
        Assert.Contains("backup_created", h.AuditEvents());
    }

    [Fact]
    public async Task Backup_Locked_RefusedCaLockedAndAudited()
    {
        await using var h = new CertmeshHarness();
        await h.CreateAsync();
        await h.Authority.LockAsync(CancellationToken.None);

        var ex = await Assert.ThrowsAsync<KoiException>(() => h.Authority.Backup.BackupAsync(BackupPassphrase, CancellationToken.None));

        Assert.Equal(KoiErrorCode.CaLocked, ex.Code);
        Assert.Contains("denied", h.AuditEvents());
        Assert.DoesNotContain("backup_created", h.AuditEvents());
    }

    [Fact]
    public async Task Backup_UnlockPassphraseReused_RefusedAndAudited()
    {
        await using var h = new CertmeshHarness();
        await h.CreateAsync();

        var ex = await Assert.ThrowsAsync<KoiException>(() => h.Authority.Backup.BackupAsync(CertmeshHarness.Passphrase, CancellationToken.None));

        Assert.Equal(KoiErrorCode.InvalidRequest, ex.Code);
        Assert.Contains("differ", ex.Message, StringComparison.Ordinal);
        Assert.Contains(File.ReadAllLines(h.Files.AuditLog), l => l.Contains("same_as_unlock_passphrase", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Restore_OtherMachine_SameCaUnlockedAndAfterRestartOnlyNewPassphraseUnlocks()
    {
        await using var a = new CertmeshHarness();
        var created = await a.CreateAsync(TrustProfile.Team);
        var backup = (await a.Authority.Backup.BackupAsync(BackupPassphrase, CancellationToken.None)).Backup;
        var totpHash = a.Authority.Roster.Current!.Metadata.TotpSecretHash;
        await using var d = new CertmeshHarness();

        var restored = await d.Authority.Backup.RestoreAsync(backup, BackupPassphrase, NewPassphrase, force: false, CancellationToken.None);

        Assert.Equal(created.CaFingerprint, restored.CaFingerprint);
        Assert.False(d.Authority.Locked);
        Assert.Equal(totpHash, d.Authority.Roster.Current!.Metadata.TotpSecretHash);
        Assert.Equal(TrustProfile.Team, d.Authority.Roster.Current.Metadata.TrustProfile);
        Assert.Single(d.Authority.Roster.Current.Members, m => m.Role == MemberRole.Primary);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(d.Files.CaKey));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(d.Files.TotpSecret));
        await d.RestartAsync();
        Assert.True(d.Authority.Locked);
        await Assert.ThrowsAsync<KoiException>(() => d.Authority.UnlockAsync(CertmeshHarness.Passphrase, CancellationToken.None));
        await d.RestartAsync();
        await d.Authority.UnlockAsync(NewPassphrase, CancellationToken.None);
        Assert.False(d.Authority.Locked);
        var events = d.AuditEvents();
        Assert.Contains("backup_created", events);
        Assert.Contains("ca_restored", events);
        Assert.True(d.Authority.Context.Audit.Verify()!.Valid);
    }

    [Fact]
    public async Task Restore_WrongBackupPassphrase_UnauthorizedAndExistingCaUntouched()
    {
        await using var a = new CertmeshHarness();
        await a.CreateAsync();
        var backup = (await a.Authority.Backup.BackupAsync(BackupPassphrase, CancellationToken.None)).Backup;
        await using var d = new CertmeshHarness();
        var own = await d.CreateAsync();
        var rosterBefore = File.ReadAllBytes(d.Files.Roster);
        var keyBefore = File.ReadAllBytes(d.Files.CaKey);

        var ex = await Assert.ThrowsAsync<KoiException>(() =>
            d.Authority.Backup.RestoreAsync(backup, "not the backup passphrase", NewPassphrase, force: true, CancellationToken.None));

        Assert.Equal(KoiErrorCode.Unauthorized, ex.Code);
        Assert.Equal(rosterBefore, File.ReadAllBytes(d.Files.Roster));
        Assert.Equal(keyBefore, File.ReadAllBytes(d.Files.CaKey));
        Assert.Equal(own.CaFingerprint, d.Authority.Roster.Current!.Metadata.CaFingerprint);
        Assert.Contains("restore_failed", d.AuditEvents());
    }

    [Fact]
    public async Task Restore_CaExistsWithoutForce_ConflictNothingChanged_WithForceReplaced()
    {
        await using var a = new CertmeshHarness();
        var created = await a.CreateAsync();
        var backup = (await a.Authority.Backup.BackupAsync(BackupPassphrase, CancellationToken.None)).Backup;
        await using var d = new CertmeshHarness();
        var own = await d.CreateAsync();
        var rosterBefore = File.ReadAllBytes(d.Files.Roster);

        var refused = await Assert.ThrowsAsync<KoiException>(() =>
            d.Authority.Backup.RestoreAsync(backup, BackupPassphrase, NewPassphrase, force: false, CancellationToken.None));
        Assert.Equal(KoiErrorCode.Conflict, refused.Code);
        Assert.Equal(rosterBefore, File.ReadAllBytes(d.Files.Roster));
        Assert.Contains("restore_refused", d.AuditEvents());

        var replaced = await d.Authority.Backup.RestoreAsync(backup, BackupPassphrase, NewPassphrase, force: true, CancellationToken.None);

        Assert.Equal(created.CaFingerprint, replaced.CaFingerprint);
        Assert.NotEqual(own.CaFingerprint, d.Authority.Roster.Current!.Metadata.CaFingerprint);
    }

    [Fact]
    public async Task Restore_ChangedByte_RefusedAsWrongPassphraseOrDamaged()
    {
        await using var a = new CertmeshHarness();
        await a.CreateAsync();
        var backup = (await a.Authority.Backup.BackupAsync(BackupPassphrase, CancellationToken.None)).Backup;
        var file = BackupCodec.ReadHeader(backup);
        var ciphertext = Convert.FromBase64String(file.Sealed.Ciphertext);
        ciphertext[10] ^= 1;
        var tampered = System.Text.Json.JsonSerializer.Serialize(
            file with { Sealed = file.Sealed with { Ciphertext = Convert.ToBase64String(ciphertext) } }, CertmeshTestJson.Options);
        await using var d = new CertmeshHarness();

        var ex = await Assert.ThrowsAsync<KoiException>(() =>
            d.Authority.Backup.RestoreAsync(tampered, BackupPassphrase, NewPassphrase, force: false, CancellationToken.None));

        Assert.Equal(KoiErrorCode.Unauthorized, ex.Code);
        Assert.False(d.Authority.Initialized);
        Assert.False(Directory.Exists(d.Files.CaDir));
    }
}
