using Koi.Certmesh.Roster;
using Koi.Core.Errors;
using Koi.Testing;

namespace Koi.Certmesh.Tests.Authority;

/// <summary>The CA host's own certificate renews like a member's: its reload hook runs after each renewal.</summary>
public sealed class OwnCertificateHookTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task RenewOwn_HookSet_HookRunsAfterEachRenewalAuditedStateOk()
    {
        await using var h = new CertmeshHarness();
        await h.CreateAsync();
        using var dir = new TempDirectory();
        var marker = dir.Combine("reloaded");
        await h.Authority.OwnCertificate.SetHookAsync($"touch \"{marker}\"", Ct);

        var view = await h.Authority.OwnCertificate.RenewIfDueAsync(force: true, Ct);
        Assert.True(File.Exists(marker));
        File.Delete(marker);
        await h.Authority.OwnCertificate.RenewIfDueAsync(force: true, Ct);

        Assert.True(File.Exists(marker));
        Assert.Equal("ok", view.State);
        var primary = h.Authority.Roster.Current!.Members.Single(m => m.Role == MemberRole.Primary);
        Assert.Equal($"touch \"{marker}\"", primary.ReloadHook);
        Assert.Equal("ok", primary.RenewalState);
        Assert.Contains("reload_hook_set", h.AuditEvents());
        Assert.Contains("reload_hook_ran", h.AuditEvents());
    }

    [Fact]
    public async Task RenewOwn_HookFails_DegradedInStatusWarningsCertificateRenewed()
    {
        await using var h = new CertmeshHarness();
        await h.CreateAsync();
        var before = h.Authority.Roster.Current!.Members.Single(m => m.Role == MemberRole.Primary).CertFingerprint;
        await h.Authority.OwnCertificate.SetHookAsync("false", Ct);

        var view = await h.Authority.OwnCertificate.RenewIfDueAsync(force: true, Ct);

        Assert.True(view.Renewed);
        Assert.Equal("degraded", view.State);
        Assert.Contains("exited 1", view.Detail, StringComparison.Ordinal);
        Assert.NotEqual(before, h.Authority.Roster.Current!.Members.Single(m => m.Role == MemberRole.Primary).CertFingerprint);
        Assert.Contains("reload_hook_failed", h.AuditEvents());
        var status = await h.Authority.StatusAsync(Ct);
        Assert.Contains(status.Warnings, w => w.StartsWith("the CA host's own certificate: renewal degraded", StringComparison.Ordinal));
    }

    [Fact]
    public async Task SetHook_CommandWithUnbalancedQuote_400AndNothingStored()
    {
        await using var h = new CertmeshHarness();
        await h.CreateAsync();

        var error = await Assert.ThrowsAsync<KoiException>(() => h.Authority.OwnCertificate.SetHookAsync("systemctl reload \"nginx", Ct));

        Assert.Equal(KoiErrorCode.InvalidRequest, error.Code);
        Assert.Null(h.Authority.Roster.Current!.Members.Single(m => m.Role == MemberRole.Primary).ReloadHook);
    }
}
