using Koi.Certmesh.Health;
using Koi.Certmesh.Membership;
using Koi.Certmesh.MeshPlane;
using Koi.Core.Status;

namespace Koi.Certmesh.Tests.MeshPlane;

/// <summary>Expiry and renewal trouble as <c>koi status</c>, the event stream and the health board show it.</summary>
public sealed class RenewalWarningTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ShowCertificate_FreshCertificate_ValidUntilAndRenewPointNoEvent()
    {
        await using var kit = await MeshKit.StartAsync();
        var health = kit.Join.H.Status.Register("certmesh", "member_certificate");
        var published = new List<(string Kind, object? Data)>();
        await using var service = kit.Service(health, published);

        service.ShowCertificate();

        Assert.Equal(ComponentState.Running, health.Snapshot.State);
        Assert.StartsWith("valid until ", health.Snapshot.Reason, StringComparison.Ordinal);
        Assert.Contains(", renews from ", health.Snapshot.Reason, StringComparison.Ordinal);
        Assert.Empty(published);
        Assert.Null(service.OwnMachineCertificate("stone-b")!.Warning(kit.Join.H.Time.GetUtcNow()));
    }

    [Fact]
    public async Task ShowCertificate_NotRenewedPastTheRenewPoint_StatusWarnsEventOncePerLevelHealthWarns()
    {
        await using var kit = await MeshKit.StartAsync();
        var health = kit.Join.H.Status.Register("certmesh", "member_certificate");
        var published = new List<(string Kind, object? Data)>();
        await using var service = kit.Service(health, published);

        kit.Join.H.Time.Advance(TimeSpan.FromDays(21));
        service.ShowCertificate();
        service.ShowCertificate();

        Assert.Contains("WARNING: this machine's mesh certificate has less than a third of its lifetime left", health.Snapshot.Reason, StringComparison.Ordinal);
        var (kind, data) = Assert.Single(published);
        Assert.Equal("certificate_warning", kind);
        var first = Assert.IsType<CertificateWarningEvent>(data);
        Assert.Equal("stone-b", first.Hostname);
        Assert.StartsWith("certificate within the last third of its lifetime", service.OwnMachineCertificate("STONE-B")!.Warning(kit.Join.H.Time.GetUtcNow()), StringComparison.Ordinal);

        kit.Join.H.Time.Advance(TimeSpan.FromDays(7));
        service.ShowCertificate();

        Assert.Equal(2, published.Count);
        Assert.Contains("this machine's mesh certificate expires in", Assert.IsType<CertificateWarningEvent>(published[1].Data).Warning, StringComparison.Ordinal);
        Assert.Contains("expires in", Assert.Single(service.Warnings()), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RenewIfDue_CaLocked_StatusWarnsAndHealthSaysRenewalFailing()
    {
        await using var kit = await MeshKit.StartAsync();
        var health = kit.Join.H.Status.Register("certmesh", "member_certificate");
        await using var service = kit.Service(health, []);
        await kit.Join.Ca.LockAsync(Ct);
        kit.Join.H.Time.Advance(TimeSpan.FromDays(20.5));

        var view = await kit.Renewal.RenewIfDueAsync(force: false, Ct);
        service.ShowCertificate();

        Assert.Equal("failing", view.State);
        Assert.Contains("renewal failing: ", health.Snapshot.Reason, StringComparison.Ordinal);
        Assert.StartsWith("renewal failing: ", service.OwnMachineCertificate("stone-b")!.Warning(kit.Join.H.Time.GetUtcNow()), StringComparison.Ordinal);
        Assert.Null(service.OwnMachineCertificate("stone-c"));
    }

    [Fact]
    public async Task CertificateFacts_MemberReportsRenewalFailing_CaHealthBoardSaysRenewalFailing()
    {
        await using var kit = await MeshKit.StartAsync();
        var facts = new CertmeshCertificateFacts(kit.Join.Ca);
        Assert.Null(facts.Find("stone-b")!.Warning(kit.Join.H.Time.GetUtcNow()));

        await kit.Mesh.HeartbeatAsync(kit.Membership.Current!, new HeartbeatRequest(null, "failing: CA locked", null), Ct);

        Assert.Equal("renewal failing: CA locked", facts.Find("stone-b")!.Warning(kit.Join.H.Time.GetUtcNow()));
    }
}
