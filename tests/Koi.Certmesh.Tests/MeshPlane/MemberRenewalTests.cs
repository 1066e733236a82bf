using System.Security.Cryptography.X509Certificates;
using Koi.Certmesh.Membership;
using Koi.Core.Errors;

namespace Koi.Certmesh.Tests.MeshPlane;

public sealed class MemberRenewalTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task RenewIfDue_NotDue_NothingChanges()
    {
        await using var kit = await MeshKit.StartAsync();
        using var before = kit.MemberCertificate();

        var view = await kit.Renewal.RenewIfDueAsync(force: false, Ct);

        Assert.False(view.Renewed);
        using var after = kit.MemberCertificate();
        Assert.Equal(before.SerialNumber, after.SerialNumber);
        Assert.True(view.RenewAt > kit.Join.H.Time.GetUtcNow() + TimeSpan.FromDays(19));
    }

    [Fact]
    public async Task RenewIfDue_PastTheRenewPoint_FilesReplacedAsASetSerialChangesRosterKnowsIt()
    {
        await using var kit = await MeshKit.StartAsync();
        using var before = kit.MemberCertificate();
        kit.Join.H.Time.Advance(TimeSpan.FromDays(20));

        var view = await kit.Renewal.RenewIfDueAsync(force: false, Ct);

        Assert.True(view.Renewed);
        Assert.Equal("ok", view.State);
        using var after = kit.MemberCertificate();
        Assert.NotEqual(before.SerialNumber, after.SerialNumber);
        Assert.Equal(after.SerialNumber.ToLowerInvariant(), view.Serial);
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(after.RawData)), kit.RosterEntry().CertFingerprint);
        Assert.True(after.NotAfter.ToUniversalTime() > before.NotAfter.ToUniversalTime());
        Assert.Equal(File.ReadAllText(Path.Combine(kit.MemberCertDir, "cert.pem")) + File.ReadAllText(Path.Combine(kit.MemberCertDir, "ca.pem")),
            File.ReadAllText(Path.Combine(kit.MemberCertDir, "fullchain.pem")));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(kit.MemberCertDir, "key.pem")));
    }

    [Fact]
    public async Task RenewIfDue_HookSet_HookRunsAfterEachRenewal()
    {
        await using var kit = await MeshKit.StartAsync();
        var marker = kit.MemberDir.Combine("reloaded");
        kit.Membership.Update(m => m with { ReloadHook = $"touch \"{marker}\"" });

        await kit.Renewal.RenewIfDueAsync(force: true, Ct);
        Assert.True(File.Exists(marker));
        File.Delete(marker);
        await kit.Renewal.RenewIfDueAsync(force: true, Ct);

        Assert.True(File.Exists(marker));
        Assert.Equal("ok", kit.Membership.Current!.RenewalState);
    }

    [Fact]
    public async Task RenewIfDue_HookFails_RenewalDegradedFilesStayRenewedAudited()
    {
        await using var kit = await MeshKit.StartAsync();
        using var before = kit.MemberCertificate();
        kit.Membership.Update(m => m with { ReloadHook = "false" });

        var view = await kit.Renewal.RenewIfDueAsync(force: true, Ct);

        Assert.True(view.Renewed);
        Assert.Equal("degraded", view.State);
        Assert.Contains("exited 1", view.Detail, StringComparison.Ordinal);
        using var after = kit.MemberCertificate();
        Assert.NotEqual(before.SerialNumber, after.SerialNumber);
        Assert.Contains("reload_hook_failed", File.ReadAllText(kit.MemberFiles.MemberAuditLog), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RenewIfDue_CaLocked_FailingWithBackoffOldFilesStay()
    {
        await using var kit = await MeshKit.StartAsync();
        using var before = kit.MemberCertificate();
        await kit.Join.Ca.LockAsync(Ct);
        kit.Join.H.Time.Advance(TimeSpan.FromDays(21));

        var view = await kit.Renewal.RenewIfDueAsync(force: false, Ct);

        Assert.False(view.Renewed);
        Assert.Equal("failing", view.State);
        Assert.Contains("locked", view.Detail, StringComparison.Ordinal);
        Assert.True(view.NextAttempt > kit.Join.H.Time.GetUtcNow());
        using var after = kit.MemberCertificate();
        Assert.Equal(before.SerialNumber, after.SerialNumber);

        // Inside the back-off nothing is tried; once the CA is back, the next due check renews.
        await kit.Join.Ca.UnlockAsync(CertmeshHarness.Passphrase, Ct);
        Assert.False((await kit.Renewal.RenewIfDueAsync(force: false, Ct)).Renewed);
        kit.Join.H.Time.Advance(TimeSpan.FromMinutes(2));
        var retried = await kit.Renewal.RenewIfDueAsync(force: false, Ct);
        Assert.True(retried.Renewed);
        Assert.Equal("ok", retried.State);
        Assert.Equal(0, kit.Membership.Current!.RenewalFailures);
    }

    [Fact]
    public async Task RenewIfDue_Forced_CaLocked_ThrowsCaLocked()
    {
        await using var kit = await MeshKit.StartAsync();
        await kit.Join.Ca.LockAsync(Ct);

        var error = await Assert.ThrowsAsync<KoiException>(() => kit.Renewal.RenewIfDueAsync(force: true, Ct));

        Assert.Equal(KoiErrorCode.CaLocked, error.Code);
    }

    [Fact]
    public async Task RenewIfDue_SeveralInARow_EachSerialNew()
    {
        await using var kit = await MeshKit.StartAsync();
        var serials = new HashSet<string>();
        for (var i = 0; i < 3; i++)
        {
            serials.Add((await kit.Renewal.RenewIfDueAsync(force: true, Ct)).Serial!);
        }

        Assert.Equal(3, serials.Count);
    }

    [Fact]
    public async Task ServerProblem_CaServiceCertificateExpired_ExpiredNotMitm()
    {
        await using var kit = await MeshKit.StartAsync();
        kit.Join.H.Time.Advance(TimeSpan.FromDays(31));
        var member = kit.Membership.Current!;

        var error = await Assert.ThrowsAsync<MeshServerRefusedException>(() =>
            kit.Mesh.HeartbeatAsync(member, new Koi.Certmesh.MeshPlane.HeartbeatRequest(null, null, null), Ct));

        Assert.Equal("expired", error.Kind);
    }
}
