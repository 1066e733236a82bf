using System.Net;
using System.Security.Cryptography.X509Certificates;
using Koi.Certmesh.Issuing;
using Koi.Certmesh.Naming;
using Koi.Certmesh.Tests.MeshPlane;
using Koi.Core.Naming;
using Koi.Core.Status;
using Koi.Testing;

namespace Koi.Certmesh.Tests.Naming;

/// <summary>
/// Service names in certificates (docs/certmesh.md "Service names"): what the member asks, what the CA grants or
/// refuses and why, and that a change re-issues at once. The CA is stone-a, the member stone-b, over the real mTLS plane.
/// </summary>
public sealed class ServiceNameTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Renew_LabelOffered_CertificateCarriesSharedAndInstanceNamesDecisionsStoredAndAudited()
    {
        await using var kit = await MeshKit.StartAsync();
        kit.Board.Offer("proxy", ["grafana"]);

        await kit.Renewal.RenewIfDueAsync(force: true, Ct);

        using var cert = kit.MemberCertificate();
        Assert.Equal(["stone-b.local", "stone-b.lan", "grafana.lan", "grafana-stone-b.lan"], DnsNames(cert));
        NameDecision[] expected = [new("grafana.lan", true), new("grafana-stone-b.lan", true)];
        Assert.Equal(expected, kit.Membership.Current!.ServiceNames);
        Assert.Equal(["grafana"], kit.Membership.Current.ServiceLabels);
        Assert.Equal(expected, kit.Board.Decisions());
        Assert.Equal(expected, kit.RosterEntry().ServiceNames);
        Assert.Contains("grafana.lan", kit.RosterEntry().CertSans);
        var audit = kit.Join.AuditLines();
        Assert.Contains(audit, l => l.Contains(" name_granted hostname=stone-b name=grafana.lan ", StringComparison.Ordinal));
        Assert.Contains(audit, l => l.Contains(" name_granted hostname=stone-b name=grafana-stone-b.lan ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Renew_LabelIsAnotherMembersHostName_RefusedWithHolderShownAndAudited()
    {
        await using var kit = await MeshKit.StartAsync();
        kit.Board.Offer("proxy", ["stone-a", "wiki"]);

        await kit.Renewal.RenewIfDueAsync(force: true, Ct);

        using var cert = kit.MemberCertificate();
        Assert.DoesNotContain("stone-a.lan", DnsNames(cert));
        Assert.Contains("wiki.lan", DnsNames(cert));
        Assert.Contains(new NameDecision("stone-a.lan", false, "held by stone-a"), kit.Board.Decisions());
        Assert.Contains(new NameDecision("wiki.lan", true), kit.Board.Decisions());
        Assert.Contains(kit.Join.AuditLines(), l => l.Contains(" name_refused hostname=stone-b name=stone-a.lan reason=held%20by%20stone-a", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Renew_SameLabelOnTwoMachines_BothCarryTheRoundRobinNameEachItsOwnInstanceName()
    {
        await using var kit = await MeshKit.StartAsync();
        var own = await kit.Join.Ca.Renewals.RenewOwnAsync(["grafana"], Ct);
        Assert.Contains("grafana.lan", own.CertSans);
        Assert.Contains("grafana-stone-a.lan", own.CertSans);
        kit.Board.Offer("mdns", ["grafana"]);

        await kit.Renewal.RenewIfDueAsync(force: true, Ct);

        using var cert = kit.MemberCertificate();
        Assert.Contains("grafana.lan", DnsNames(cert));
        Assert.Contains("grafana-stone-b.lan", DnsNames(cert));
        Assert.DoesNotContain("grafana-stone-a.lan", DnsNames(cert));
        Assert.All(kit.Board.Decisions(), d => Assert.True(d.Granted));
    }

    [Fact]
    public async Task Renew_InstanceNameHeldAsAnotherMembersHostName_Refused()
    {
        await using var kit = await MeshKit.StartAsync();
        kit.Join.Ca.Roster.Update(r => r! with
        {
            Members = [.. r.Members.Select(m => m.Hostname == "stone-a" ? m with { CertSans = [.. m.CertSans, "grafana-stone-b.lan"] } : m)],
        });
        kit.Board.Offer("proxy", ["grafana"]);

        await kit.Renewal.RenewIfDueAsync(force: true, Ct);

        Assert.Contains(new NameDecision("grafana-stone-b.lan", false, "held by stone-a"), kit.Board.Decisions());
        Assert.Contains(new NameDecision("grafana.lan", true), kit.Board.Decisions());
    }

    [Fact]
    public async Task Renew_LabelWithdrawn_NameLeavesTheCertificateAtTheNextIssue()
    {
        await using var kit = await MeshKit.StartAsync();
        kit.Board.Offer("proxy", ["grafana", "wiki"]);
        await kit.Renewal.RenewIfDueAsync(force: true, Ct);

        kit.Board.Offer("proxy", ["wiki"]);
        await kit.Renewal.RenewIfDueAsync(force: true, Ct);

        using var cert = kit.MemberCertificate();
        Assert.DoesNotContain("grafana.lan", DnsNames(cert));
        Assert.DoesNotContain("grafana-stone-b.lan", DnsNames(cert));
        Assert.Contains("wiki.lan", DnsNames(cert));
        Assert.DoesNotContain("grafana.lan", kit.RosterEntry().CertSans);
    }

    [Fact]
    public async Task Renew_ReportedAddressesUnproven_LeftOutAndAuditedProvenOneCertified()
    {
        await using var kit = await MeshKit.StartAsync();
        kit.Join.Ca.Renewals.Proofs.Record("stone-b", IPAddress.Parse("10.77.0.60"));
        kit.Local.Set("10.77.0.60", "192.168.1.1");

        await kit.Renewal.RenewIfDueAsync(force: true, Ct);

        using var cert = kit.MemberCertificate();
        var addresses = cert.Extensions.OfType<X509SubjectAlternativeNameExtension>().Single().EnumerateIPAddresses().Select(a => a.ToString()).ToList();
        Assert.Equal(["10.77.0.60"], addresses);
        Assert.Contains(kit.Join.AuditLines(), l => l.Contains(" scope_denied hostname=stone-b from=127.0.0.1 refused=192.168.1.1 reason=unproven", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ProveAddress_RequestBoundToAddress_CaRecordsThatSourceForThisMember()
    {
        await using var kit = await MeshKit.StartAsync();

        var proof = await kit.Mesh.ProveAddressAsync(kit.Membership.Current!, IPAddress.Parse("127.0.0.2"), Ct);

        Assert.Equal("127.0.0.2", proof.Address);
        Assert.True(kit.Join.Ca.Renewals.Proofs.Proven("stone-b", IPAddress.Parse("127.0.0.2")));
        Assert.False(kit.Join.Ca.Renewals.Proofs.Proven("stone-a", IPAddress.Parse("127.0.0.2")));
        kit.Join.H.Time.Advance(AddressProofs.Lifetime + TimeSpan.FromSeconds(1));
        Assert.False(kit.Join.Ca.Renewals.Proofs.Proven("stone-b", IPAddress.Parse("127.0.0.2")));
    }

    [Fact]
    public async Task Follower_LabelOffered_ReissuesAfterSettleNotBeforeAndNotAgainWhenUnchanged()
    {
        await using var kit = await MeshKit.StartAsync();
        var health = new StatusRegistry(kit.Join.H.Time).Register("certmesh", "service_names");
        await using var follower = new ServiceNameFollower(
            kit.Join.Ca, kit.Membership, kit.Renewal, kit.Board, kit.Local, health, kit.Join.H.Time, new RecordingLogger());
        await follower.StartAsync(Ct);
        using var before = kit.MemberCertificate();

        kit.Board.Offer("proxy", ["grafana"]);
        kit.Join.H.Time.Advance(ServiceNameFollower.Settle - TimeSpan.FromMilliseconds(100));
        await Task.Delay(200, Ct);
        using (var early = kit.MemberCertificate())
        {
            Assert.Equal(before.SerialNumber, early.SerialNumber);
        }

        kit.Join.H.Time.Advance(TimeSpan.FromMilliseconds(100));
        await WaitUntilAsync(() => kit.Membership.Current!.ServiceNames is { Count: > 0 });

        using var after = kit.MemberCertificate();
        Assert.NotEqual(before.SerialNumber, after.SerialNumber);
        Assert.Contains("grafana.lan", DnsNames(after));
        Assert.Contains("1 service label(s) asked, 2 name(s) granted", health.Snapshot.Reason, StringComparison.Ordinal);
        Assert.False(await follower.FollowAsync());
        await follower.StopAsync(Ct);
    }

    private static List<string> DnsNames(X509Certificate2 cert) =>
        [.. cert.Extensions.OfType<X509SubjectAlternativeNameExtension>().Single().EnumerateDnsNames()];

    private static async Task WaitUntilAsync(Func<bool> done)
    {
        for (var i = 0; i < 100 && !done(); i++)
        {
            await Task.Delay(50, Ct);
        }

        Assert.True(done());
    }
}
