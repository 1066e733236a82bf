using Koi.Certmesh.Authority;
using Koi.Core.Errors;

namespace Koi.Certmesh.Tests.Authority;

public sealed class AutoUnlockTests
{
    [Fact]
    public async Task Restart_AutoUnlockSameMachine_UnlockedAndWarned()
    {
        await using var h = new CertmeshHarness();
        await h.Authority.CreateAsync(CertmeshHarness.Plan() with { AutoUnlock = true }, CertmeshHarness.Passphrase, null, CertmeshAuthority.NewTotpSecret(null), CancellationToken.None);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(h.Files.AutoUnlock));
        Assert.DoesNotContain(CertmeshHarness.Passphrase, File.ReadAllText(h.Files.AutoUnlock), StringComparison.Ordinal);

        await h.RestartAsync();
        Assert.False(h.Authority.Locked);
        // The unlock, then the bundle it signed: the audit head moved to the unlock's line.
        Assert.Contains("auto_unlock", File.ReadAllLines(h.Files.AuditLog)[^2], StringComparison.Ordinal);
        Assert.Equal("trust_bundle_published", h.AuditEvents()[^1]);
        var compliance = await h.Authority.ComplianceAsync(CancellationToken.None);
        Assert.False(compliance.Healthy);
        Assert.Contains(compliance.Items, i => i.Value.Contains("AUTO-UNLOCK", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Restart_AutoUnlockCopiedDisk_StaysLockedAndAudited()
    {
        await using var h = new CertmeshHarness();
        await h.Authority.CreateAsync(CertmeshHarness.Plan() with { AutoUnlock = true }, CertmeshHarness.Passphrase, null, CertmeshAuthority.NewTotpSecret(null), CancellationToken.None);
        h.MachineId = "machine-b";
        await h.RestartAsync();
        Assert.True(h.Authority.Locked);
        Assert.Equal("auto_unlock_refused", h.AuditEvents()[^1]);
        await Assert.ThrowsAsync<KoiException>(() => h.Authority.RotateTotpAsync(null, CancellationToken.None));

        // The passphrase still works by hand.
        await h.Authority.UnlockAsync(CertmeshHarness.Passphrase, CancellationToken.None);
        Assert.False(h.Authority.Locked);
    }

    [Fact]
    public async Task Restart_WithoutAutoUnlock_NoSealedPassphraseOnDisk()
    {
        await using var h = new CertmeshHarness();
        await h.CreateAsync();
        Assert.False(File.Exists(h.Files.AutoUnlock));
        await h.RestartAsync();
        Assert.True(h.Authority.Locked);
    }

    [Fact]
    public async Task SetAutoUnlock_WrongPassphrase_UnauthorizedNothingStoredAudited()
    {
        await using var h = new CertmeshHarness();
        await h.CreateAsync();
        var denied = await Assert.ThrowsAsync<KoiException>(() => h.Authority.SetAutoUnlockAsync(AutoUnlock.MachineIdMethod, "not the passphrase", CancellationToken.None));
        Assert.Equal(KoiErrorCode.Unauthorized, denied.Code);
        Assert.False(File.Exists(h.Files.AutoUnlock));
        Assert.Equal("off", (await h.Authority.StatusAsync(CancellationToken.None)).AutoUnlock);
        Assert.Equal("unlock_failed", h.AuditEvents()[^1]);
    }

    [Fact]
    public async Task SetAutoUnlock_MachineIdOnLockedCa_UnlocksNowAndAtRestartThenOffStartsLocked()
    {
        await using var h = new CertmeshHarness();
        await h.CreateAsync();
        await h.RestartAsync();
        Assert.True(h.Authority.Locked);

        var set = await h.Authority.SetAutoUnlockAsync(AutoUnlock.MachineIdMethod, CertmeshHarness.Passphrase, CancellationToken.None);
        Assert.True(set.UnlockedNow);
        Assert.False(h.Authority.Locked);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(h.Files.AutoUnlock));

        await h.RestartAsync();
        var status = await h.Authority.StatusAsync(CancellationToken.None);
        Assert.False(status.Locked);
        Assert.Equal("machine-id", status.AutoUnlock);
        Assert.Equal("unlocked (auto-unlock: machine-id)", status.LockState);

        var off = await h.Authority.SetAutoUnlockAsync(AutoUnlock.Off, CertmeshHarness.Passphrase, CancellationToken.None);
        Assert.False(off.UnlockedNow);
        Assert.False(File.Exists(h.Files.AutoUnlock));
        Assert.Equal(["auto_unlock_disabled", "trust_bundle_published"], h.AuditEvents()[^2..]);
        await h.RestartAsync();
        Assert.True(h.Authority.Locked);
        Assert.Equal("off", (await h.Authority.StatusAsync(CancellationToken.None)).AutoUnlock);
    }

    [Fact]
    public async Task SetAutoUnlock_UnknownMethod_InvalidRequestNothingChanged()
    {
        await using var h = new CertmeshHarness();
        await h.CreateAsync();
        var refused = await Assert.ThrowsAsync<KoiException>(() => h.Authority.SetAutoUnlockAsync("tpm-please", CertmeshHarness.Passphrase, CancellationToken.None));
        Assert.Equal(KoiErrorCode.InvalidRequest, refused.Code);
        Assert.Equal("off", (await h.Authority.StatusAsync(CancellationToken.None)).AutoUnlock);
    }

    [Fact]
    public async Task SetAutoUnlock_SystemdCredsNotInstalled_UnavailableMethodUnchanged()
    {
        await using var h = new CertmeshHarness();
        await h.Authority.CreateAsync(CertmeshHarness.Plan() with { AutoUnlock = true }, CertmeshHarness.Passphrase, null, CertmeshAuthority.NewTotpSecret(null), CancellationToken.None);
        h.SystemdCredsTool = h.Directory.Combine("no-such-systemd-creds");

        var refused = await Assert.ThrowsAsync<KoiException>(() => h.Authority.SetAutoUnlockAsync(AutoUnlock.SystemdCredsMethod, CertmeshHarness.Passphrase, CancellationToken.None));
        Assert.Equal(KoiErrorCode.Unavailable, refused.Code);
        Assert.Contains("systemd-creds not found", refused.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(h.Files.AutoUnlockCredential));
        Assert.True(File.Exists(h.Files.AutoUnlock));
        Assert.Equal("machine-id", (await h.Authority.StatusAsync(CancellationToken.None)).AutoUnlock);
    }

    [Fact]
    public async Task SetAutoUnlock_SystemdCredsGivesBackSomethingElse_UnavailableCredentialRemoved()
    {
        await using var h = new CertmeshHarness();
        await h.CreateAsync();
        // echo "encrypts" to its own argv and "decrypts" to another: the read-back check must catch it.
        h.SystemdCredsTool = "/bin/echo";

        var refused = await Assert.ThrowsAsync<KoiException>(() => h.Authority.SetAutoUnlockAsync(AutoUnlock.SystemdCredsMethod, CertmeshHarness.Passphrase, CancellationToken.None));
        Assert.Equal(KoiErrorCode.Unavailable, refused.Code);
        Assert.Contains("did not decrypt back", refused.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(h.Files.AutoUnlockCredential));
        Assert.Equal("off", (await h.Authority.StatusAsync(CancellationToken.None)).AutoUnlock);
    }

    [Fact]
    public async Task Restart_SystemdCredsCredentialMissing_LockedWithReasonAudited()
    {
        await using var h = new CertmeshHarness();
        await h.CreateAsync();
        UseSystemdCreds(h);

        await h.RestartAsync();
        var status = await h.Authority.StatusAsync(CancellationToken.None);
        Assert.True(status.Locked);
        Assert.Equal("systemd-creds", status.AutoUnlock);
        Assert.Equal($"locked: auto-unlock (systemd-creds) refused: the sealed credential {h.Files.AutoUnlockCredential} is missing; koi certmesh unlock", status.LockState);
        Assert.Contains("credential_missing", File.ReadAllLines(h.Files.AuditLog)[^1], StringComparison.Ordinal);

        await h.Authority.UnlockAsync(CertmeshHarness.Passphrase, CancellationToken.None);
        Assert.False(h.Authority.Locked);
    }

    [Fact]
    public async Task Restart_SystemdCredsCredentialCorrupt_LockedWithTheToolsReason()
    {
        Assert.SkipUnless(Tool.Exists("systemd-creds"), "systemd-creds is not installed (scripts/install-test-deps.sh installs systemd)");
        await using var h = new CertmeshHarness();
        await h.CreateAsync();
        UseSystemdCreds(h);
        // Not a credential at all: the real tool refuses it before it would look for a host key or TPM.
        File.WriteAllText(h.Files.AutoUnlockCredential, "bm90IGEgY3JlZGVudGlhbA==\n");

        await h.RestartAsync();
        var status = await h.Authority.StatusAsync(CancellationToken.None);
        Assert.True(status.Locked);
        Assert.StartsWith($"locked: auto-unlock (systemd-creds) refused: systemd-creds could not decrypt {h.Files.AutoUnlockCredential} (exit 1: ", status.LockState, StringComparison.Ordinal);
        Assert.Contains("credential_undecryptable", File.ReadAllLines(h.Files.AuditLog)[^1], StringComparison.Ordinal);
    }

    private static void UseSystemdCreds(CertmeshHarness h) =>
        h.Authority.Context.Roster.Update(r => r! with { Metadata = r.Metadata with { AutoUnlock = true, AutoUnlockMethod = AutoUnlock.SystemdCredsMethod } });
}
