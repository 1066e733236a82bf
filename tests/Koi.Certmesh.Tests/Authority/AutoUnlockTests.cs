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
        Assert.Contains("auto_unlock", File.ReadAllLines(h.Files.AuditLog)[^1], StringComparison.Ordinal);
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
}
