using System.Net;
using Koi.Core.Status;
using Koi.Dns.Protocol;
using Microsoft.Extensions.Logging.Abstractions;

namespace Koi.Mdns.Tests.Transport;

/// <summary>Addresses and interfaces that change under a running engine (docs/mdns.md, "Network changes").</summary>
public class NetworkChangeTests
{
    private static readonly TimeSpan Watch = TimeSpan.FromSeconds(2);

    [Fact]
    public async Task AddAddress_Running_HostAndServicesAnnouncedWithNewAddressWithinOneCheck()
    {
        var time = new ManualTimeProvider();
        var lan = new VirtualLan(time);
        await using var node = await TestNode.StartAsync(lan, time, "10.0.0.1", "alpha");
        await node.RegisterAsync(time, Registrations.Http());
        time.Advance(TimeSpan.FromSeconds(3));
        var changedAt = time.GetUtcNow();

        node.Transport.AddAddress("10.0.0.99");
        time.Advance(Watch);

        var announcement = lan.Log.First(r => r.At >= changedAt && r.IsAnnouncementOf("alpha.local", DnsType.A));
        Assert.InRange(announcement.At - changedAt, TimeSpan.Zero, Watch);
        var addresses = announcement.Message.Answers.Where(a => a.Type == DnsType.A).Select(a => a.Data.ToString()).ToList();
        Assert.Equal(["10.0.0.1", "10.0.0.99"], addresses);
        Assert.Contains(lan.Log, r => r.At >= changedAt && r.IsAnnouncementOf("My App._http._tcp.local", DnsType.SRV));
        Assert.Equal([IPAddress.Parse("10.0.0.1"), IPAddress.Parse("10.0.0.99")], node.Engine.Current);
    }

    [Fact]
    public async Task RemoveAddress_Running_GoodbyeTtl0ForThatAddressOnlyThenAnnouncementWithoutIt()
    {
        var time = new ManualTimeProvider();
        var lan = new VirtualLan(time);
        await using var node = await TestNode.StartAsync(lan, time, "10.0.0.1", "alpha");
        node.Transport.AddAddress("10.0.0.99");
        time.Advance(TimeSpan.FromSeconds(5));
        var changedAt = time.GetUtcNow();

        node.Transport.RemoveAddress("10.0.0.99");
        time.Advance(Watch + TimeSpan.FromSeconds(2));

        var goodbye = lan.Log.Single(r => r.At >= changedAt && r.HasGoodbyeFor("alpha.local", DnsType.A));
        var gone = Assert.Single(goodbye.Message.Answers);
        Assert.Equal("10.0.0.99", gone.Data.ToString());
        Assert.False(gone.CacheFlush);
        var announcements = lan.Log.Where(r => r.At >= changedAt && r.IsAnnouncementOf("alpha.local", DnsType.A)).ToList();
        Assert.Equal(2, announcements.Count);
        Assert.All(announcements, a => Assert.Equal(
            ["10.0.0.1"], a.Message.Answers.Where(x => x.Type == DnsType.A).Select(x => x.Data.ToString())));
    }

    [Fact]
    public async Task RemoveAddress_PeerHadItCached_PeerForgetsItAtOnce()
    {
        var time = new ManualTimeProvider();
        var lan = new VirtualLan(time);
        await using var alpha = await TestNode.StartAsync(lan, time, "10.0.0.1", "alpha");
        await using var beta = await TestNode.StartAsync(lan, time, "10.0.0.2", "beta", seed: 2);
        await alpha.RegisterAsync(time, Registrations.Http());
        alpha.Transport.AddAddress("10.0.0.99");
        time.Advance(TimeSpan.FromSeconds(5));
        var before = await beta.Engine.ResolveAsync("My App._http._tcp", TimeSpan.FromSeconds(1), TestContext.Current.CancellationToken);
        Assert.Contains(IPAddress.Parse("10.0.0.99"), before!.Addresses);

        alpha.Transport.RemoveAddress("10.0.0.99");
        time.Advance(Watch + TimeSpan.FromSeconds(2));

        var after = beta.Engine.Find("My App._http._tcp.local");
        Assert.NotNull(after);
        Assert.Equal([IPAddress.Parse("10.0.0.1")], after.Addresses);
    }

    [Fact]
    public async Task LinkDownThenUp_Running_EngineFailedWhileDownRunningAfterAndHostAnnouncedAgain()
    {
        var time = new ManualTimeProvider();
        var lan = new VirtualLan(time);
        await using var node = await TestNode.StartAsync(lan, time, "10.0.0.1", "alpha");
        time.Advance(TimeSpan.FromSeconds(3));

        node.Transport.SetUp(false);
        time.Advance(Watch);
        var down = Component(node.Status, "mdns/engine");
        var upAt = time.GetUtcNow();
        node.Transport.SetUp(true);
        time.Advance(Watch + TimeSpan.FromSeconds(3));

        Assert.Equal(ComponentState.Failed, down.State);
        Assert.Contains("no mDNS socket is open", down.Reason, StringComparison.Ordinal);
        Assert.Equal(ComponentState.Running, Component(node.Status, "mdns/engine").State);
        // No link before: the name is probed afresh (RFC 6762 §8), then announced.
        Assert.Contains(lan.Log, r => r.At >= upAt && r.IsProbeFor("alpha.local"));
        Assert.Contains(lan.Log, r => r.At >= upAt && r.IsAnnouncementOf("alpha.local", DnsType.A));
        Assert.Equal("alpha.local", node.Engine.HostName);
    }

    [Fact]
    public async Task Start_NoUsableInterface_RecoversWhenOneAppears()
    {
        var time = new ManualTimeProvider();
        var lan = new VirtualLan(time);
        var transport = lan.Attach("10.0.0.1");
        transport.SetUp(false);
        var status = new StatusRegistry(time);
        await using var engine = new MdnsEngine(new MdnsOptions { HostName = "alpha" }, transport, time, NullLogger.Instance, status, new Random(1));
        await engine.StartAsync(TestContext.Current.CancellationToken);
        time.Advance(TimeSpan.FromSeconds(3));
        var atStart = Component(status, "mdns/engine");
        var sentWhileDown = lan.Log.Count;

        transport.SetUp(true);
        time.Advance(Watch + TimeSpan.FromSeconds(3));

        Assert.Equal(ComponentState.Failed, atStart.State);
        Assert.Equal(0, sentWhileDown);
        Assert.Equal(ComponentState.Running, Component(status, "mdns/engine").State);
        Assert.Equal(3, lan.Log.Count(r => r.IsProbeFor("alpha.local")));
        Assert.Contains(lan.Log, r => r.IsAnnouncementOf("alpha.local", DnsType.A));
    }

    [Fact]
    public async Task AddressesChange_Subscriber_ChangedRaisedOnceWithNewList()
    {
        var time = new ManualTimeProvider();
        var lan = new VirtualLan(time);
        await using var node = await TestNode.StartAsync(lan, time, "10.0.0.1", "alpha");
        var seen = new List<IReadOnlyList<IPAddress>>();
        node.Engine.Changed += (_, _) => seen.Add(node.Engine.Current);

        time.Advance(TimeSpan.FromSeconds(10));
        node.Transport.AddAddress("10.0.0.99");
        time.Advance(TimeSpan.FromSeconds(10));

        var change = Assert.Single(seen);
        Assert.Equal([IPAddress.Parse("10.0.0.1"), IPAddress.Parse("10.0.0.99")], change);
    }

    [Fact]
    public async Task Check_ReadingInterfacesThrows_WatchFailedThenRunningOnceItWorks()
    {
        var time = new ManualTimeProvider();
        var lan = new VirtualLan(time);
        await using var node = await TestNode.StartAsync(lan, time, "10.0.0.1", "alpha");

        node.Transport.RefreshFailure = new System.Net.NetworkInformation.NetworkInformationException(13);
        time.Advance(Watch);
        var failed = Component(node.Status, "mdns/interface-watch");
        node.Transport.RefreshFailure = null;
        node.Transport.AddAddress("10.0.0.99");
        time.Advance(Watch);

        Assert.Equal(ComponentState.Failed, failed.State);
        Assert.Contains("NetworkInformationException", failed.Reason, StringComparison.Ordinal);
        Assert.Equal(ComponentState.Running, Component(node.Status, "mdns/interface-watch").State);
        Assert.Contains(IPAddress.Parse("10.0.0.99"), node.Engine.Current);
    }

    [Fact]
    public async Task Watch_IntervalZero_NeverLooksAndSaysSo()
    {
        var time = new ManualTimeProvider();
        var lan = new VirtualLan(time);
        await using var node = await TestNode.StartAsync(lan, time, "10.0.0.1", "alpha", options: new MdnsOptions { InterfaceCheckInterval = TimeSpan.Zero });

        time.Advance(TimeSpan.FromSeconds(30));

        Assert.Equal(0, node.Transport.Refreshes);
        Assert.Equal(ComponentState.Disabled, Component(node.Status, "mdns/interface-watch").State);
    }

    private static ComponentSnapshot Component(StatusRegistry status, string name) =>
        status.Snapshot("mdns").Single(c => c.Name == name);
}
