using Koi.Core.Naming;
using Koi.Dns.Settings;
using Koi.Dns.Tests.Support;
using Koi.Dns.Zone;

namespace Koi.Dns.Tests.Zone;

public sealed class ZoneBuilderTests
{
    private static readonly MeshMember StoneB = new("stone-b", ["stone-b.lan", "metrics.lan", "*.lan", "stone-b.example.com"], [IPAddress.Parse("10.77.0.12")]);

    [Fact]
    public void Build_StaticEntry_ARecordFromStatic()
    {
        var zone = ZoneBuilder.Build(new ZoneInputs { Zone = "lan", Static = [new StaticEntry("nas.lan", "192.168.1.20")] });

        var node = zone.Find(DnsName.Parse("NAS.lan"))!;

        Assert.Equal(ZoneSource.Static, node.Source);
        Assert.Equal("192.168.1.20", Assert.Single(node.A).Data.ToString());
    }

    [Fact]
    public void Build_CertmeshMember_HostNameAndSansInZoneOnly()
    {
        var zone = ZoneBuilder.Build(new ZoneInputs { Zone = "lan", Members = [StoneB] });

        Assert.Equal(ZoneSource.Certmesh, zone.Find(DnsName.Parse("stone-b.lan"))!.Source);
        Assert.Equal("10.77.0.12", zone.Find(DnsName.Parse("metrics.lan"))!.A[0].Data.ToString());
        Assert.Null(zone.Find(DnsName.Parse("stone-b.example.com")));
        Assert.DoesNotContain(zone.Entries, e => e.Name.Contains('*', StringComparison.Ordinal));
    }

    [Fact]
    public void Build_CertmeshScopeDomain_HostResolvesThereToo()
    {
        var zone = ZoneBuilder.Build(new ZoneInputs { Zone = "lan", Members = [StoneB], ScopeDomain = "lincoln-elementary.local" });

        var node = zone.Find(DnsName.Parse("stone-b.lincoln-elementary.local"))!;

        Assert.Equal("10.77.0.12", node.A[0].Data.ToString());
        Assert.False(zone.IsInZone(node.Name));
    }

    [Fact]
    public void Build_InactiveMember_NotNamed()
    {
        var zone = ZoneBuilder.Build(new ZoneInputs { Zone = "lan", Members = [StoneB with { IsActive = false }] });

        Assert.Null(zone.Find(DnsName.Parse("stone-b.lan")));
    }

    [Fact]
    public void Build_MdnsServices_HostAliasInstanceAndSrv()
    {
        var zone = ZoneBuilder.Build(new ZoneInputs
        {
            Zone = "lan",
            Services =
            [
                FakeServiceDirectory.Service("Grafana", "_grafana._tcp", "stone-c", 3000, "10.77.0.13", "fd77::13"),
                FakeServiceDirectory.Service("Grafana", "_grafana._tcp", "stone-d", 3001, "10.77.0.14"),
            ],
        });

        Assert.Equal(["10.77.0.13"], zone.Find(DnsName.Parse("stone-c.lan"))!.A.Select(r => r.Data.ToString()));
        Assert.Equal(["fd77::13"], zone.Find(DnsName.Parse("stone-c.lan"))!.Aaaa.Select(r => r.Data.ToString()));
        var alias = zone.Find(DnsName.Parse("grafana.lan"))!;
        Assert.True(alias.RotateAddresses);
        Assert.Equal(["10.77.0.13", "10.77.0.14"], alias.A.Select(r => r.Data.ToString()).Order());
        Assert.Empty(alias.Txt); // two instances: no single TXT
        Assert.Equal("10.77.0.14", zone.Find(DnsName.Parse("grafana-stone-d.lan"))!.A.Single().Data.ToString());
        Assert.Equal("\"path=/\"", zone.Find(DnsName.Parse("grafana-stone-d.lan"))!.Txt.Single().Data.ToString());
        var srv = zone.Find(DnsName.Parse("_grafana._tcp.lan"))!.Srv.Select(r => r.Data.ToString()).Order();
        Assert.Equal(["0 0 3000 stone-c.lan", "0 0 3001 stone-d.lan"], srv);
        Assert.True(zone.Find(DnsName.Parse("_tcp.lan"))!.IsEmpty); // empty non-terminal: NODATA, not NXDOMAIN
    }

    [Fact]
    public void Build_ServiceAliasesOff_OnlyHostsAndSrv()
    {
        var zone = ZoneBuilder.Build(new ZoneInputs
        {
            Zone = "lan",
            ServiceAliases = false,
            Services = [FakeServiceDirectory.Service("Grafana", "_grafana._tcp", "stone-c", 3000, "10.77.0.13")],
        });

        Assert.Null(zone.Find(DnsName.Parse("grafana.lan")));
        Assert.Null(zone.Find(DnsName.Parse("grafana-stone-c.lan")));
        Assert.NotNull(zone.Find(DnsName.Parse("stone-c.lan")));
        Assert.NotNull(zone.Find(DnsName.Parse("_grafana._tcp.lan")));
    }

    [Fact]
    public void Build_UnresolvedOrStaleService_Ignored()
    {
        var service = FakeServiceDirectory.Service("Grafana", "_grafana._tcp", "stone-c", 3000, "10.77.0.13");

        var zone = ZoneBuilder.Build(new ZoneInputs { Zone = "lan", Services = [service with { IsStale = true }, service with { Host = null, IsResolved = false }] });

        Assert.Null(zone.Find(DnsName.Parse("stone-c.lan")));
    }

    [Fact]
    public void Build_PriorityStaticOverCertmeshOverMdns_HigherWinsWholeName()
    {
        var zone = ZoneBuilder.Build(new ZoneInputs
        {
            Zone = "lan",
            Static = [new StaticEntry("grafana.lan", "192.168.9.9")],
            Members = [new MeshMember("stone-c", ["stone-c.lan"], [IPAddress.Parse("10.77.0.99")])],
            Services = [FakeServiceDirectory.Service("Grafana", "_grafana._tcp", "stone-c", 3000, "10.77.0.13")],
        });

        Assert.Equal("192.168.9.9", zone.Find(DnsName.Parse("grafana.lan"))!.A.Single().Data.ToString());
        Assert.Equal(ZoneSource.Certmesh, zone.Find(DnsName.Parse("stone-c.lan"))!.Source);
        Assert.Equal("10.77.0.99", zone.Find(DnsName.Parse("stone-c.lan"))!.A.Single().Data.ToString());
    }

    [Fact]
    public void Build_StaticShadowsGeneratedName_ReportedOncePerSource()
    {
        var zone = ZoneBuilder.Build(new ZoneInputs
        {
            Zone = "lan",
            Static = [new StaticEntry("stone-b.lan", "192.168.9.9"), new StaticEntry("grafana.lan", "192.168.9.8")],
            Members = [StoneB],
            Services = [FakeServiceDirectory.Service("Grafana", "_grafana._tcp", "stone-c", 3000, "10.77.0.13")],
        });

        Assert.Equal(
            [new ShadowedName("grafana.lan", ZoneSource.Mdns), new ShadowedName("stone-b.lan", ZoneSource.Certmesh)],
            zone.Shadowed.OrderBy(s => s.Name));
    }

    [Fact]
    public void Build_SourceOffersPublicAddress_LeftOutAndCounted()
    {
        var zone = ZoneBuilder.Build(new ZoneInputs
        {
            Zone = "lan",
            Static = [new StaticEntry("bad.lan", "8.8.8.8")],
            Members = [new MeshMember("stone-x", [], [IPAddress.Parse("203.0.113.5"), IPAddress.Parse("10.0.0.5")])],
            Services = [FakeServiceDirectory.Service("Web", "_http._tcp", "cloud", 80, "2001:db8::1")],
        });

        Assert.Null(zone.Find(DnsName.Parse("bad.lan")));
        Assert.Equal(["10.0.0.5"], zone.Find(DnsName.Parse("stone-x.lan"))!.A.Select(r => r.Data.ToString()));
        Assert.Null(zone.Find(DnsName.Parse("cloud.lan")));
        Assert.True(zone.PublicAddressesDropped >= 3); // counted per name the address was offered for
        Assert.All(zone.Entries, e => Assert.True(e.Type is not ("A" or "AAAA") || Safety.AddressPolicyProbe.IsPrivate(e.Value)));
    }

    [Fact]
    public void Build_MemberAliases_NamesPointingAtMemberNotYetSans()
    {
        var zone = ZoneBuilder.Build(new ZoneInputs
        {
            Zone = "lan",
            Members = [StoneB],
            Static = [new StaticEntry("nas.lan", "10.77.0.12")],
            Services = [FakeServiceDirectory.Service("Grafana", "_grafana._tcp", "stone-b", 3000, "10.77.0.12")],
        });

        Assert.Equal(["grafana-stone-b.lan", "grafana.lan", "nas.lan"], zone.MemberAliases["stone-b"]);
    }

    [Fact]
    public void Build_ApexAndNameServer_SoaNsAndNsAddressFromServer()
    {
        var zone = ZoneBuilder.Build(new ZoneInputs { Zone = "lan", Serial = 42, ServerAddresses = [IPAddress.Loopback, IPAddress.Parse("10.77.0.11")] });

        var apex = zone.Find(DnsName.Parse("lan"))!;

        Assert.Equal(42u, ((SoaRecordData)apex.Soa.Single().Data).Serial);
        Assert.Equal("ns.lan", apex.Ns.Single().Data.ToString());
        Assert.Equal(["10.77.0.11"], zone.Find(DnsName.Parse("ns.lan"))!.A.Select(r => r.Data.ToString()));
    }
}
