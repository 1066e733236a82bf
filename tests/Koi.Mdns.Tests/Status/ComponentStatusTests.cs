using Koi.Core.Status;
using Koi.Dns.Protocol;
using Koi.Mdns.Api;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Koi.Mdns.Tests.Status;

/// <summary>What <c>koi status</c> shows for the engine's components when parts of it fail.</summary>
public class ComponentStatusTests
{
    [Fact]
    public async Task Start_TransportOpenedNoSocket_EngineFailedNamingInterfaceAndReason()
    {
        var time = new ManualTimeProvider();
        var transport = new VirtualLan(time).Attach("10.0.0.1");
        transport.NoSocket = "cannot open ipv4 socket on vlan0: AccessDenied";
        var status = new StatusRegistry(time);
        var logger = new RecordingLogger();
        await using var engine = new MdnsEngine(new MdnsOptions { HostName = "alpha" }, transport, time, logger, status, new Random(1));

        await engine.StartAsync(TestContext.Current.CancellationToken);

        var component = Component(status, "mdns/engine");
        Assert.Equal(ComponentState.Failed, component.State);
        Assert.Contains("vlan0", component.Reason, StringComparison.Ordinal);
        Assert.Contains("AccessDenied", component.Reason, StringComparison.Ordinal);
        Assert.Contains(logger.Entries, e => e.Level == LogLevel.Error && e.Message.Contains("no socket is open", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Start_TransportOpenedASocket_EngineRunning()
    {
        var time = new ManualTimeProvider();
        await using var node = await TestNode.StartAsync(new VirtualLan(time), time, "10.0.0.1", "alpha");

        Assert.Equal(ComponentState.Running, Component(node.Status, "mdns/engine").State);
    }

    [Fact]
    public async Task Tick_Throws_SchedulerFailedThenRunningAgainOnceTicksSucceed()
    {
        var ct = TestContext.Current.CancellationToken;
        var time = new ManualTimeProvider();
        var lan = new VirtualLan(time);
        var random = new FaultyRandom(1);
        var status = new StatusRegistry(time);
        var logger = new RecordingLogger();
        // Browsing every type makes the cached service enumeration worth refreshing, which each tick checks with
        // NextDouble: the one call a failing Random can break without touching probing or answering.
        await using var engine = new MdnsEngine(
            new MdnsOptions { HostName = "alpha", BrowseAllInBackground = true }, lan.Attach("10.0.0.1"), time, logger, status, random);
        await engine.StartAsync(ct);
        await using var peer = await TestNode.StartAsync(lan, time, "10.0.0.2", "beta", seed: 2);
        await peer.RegisterAsync(time, Registrations.Http("Web"));
        time.Advance(TimeSpan.FromSeconds(3));
        Assert.Equal(ComponentState.Running, Component(status, "mdns/scheduler").State);

        random.Failing = true;
        time.Advance(TimeSpan.FromSeconds(2));
        var failed = Component(status, "mdns/scheduler");
        random.Failing = false;
        time.Advance(TimeSpan.FromSeconds(2));

        Assert.Equal(ComponentState.Failed, failed.State);
        Assert.StartsWith("cache tick failed: InvalidOperationException", failed.Reason, StringComparison.Ordinal);
        Assert.Contains(logger.Entries, e => e.Level == LogLevel.Error && e.Message.Contains("cache tick failed", StringComparison.Ordinal));
        Assert.Equal(ComponentState.Running, Component(status, "mdns/scheduler").State);
    }

    [Fact]
    public async Task HostedStart_EngineCannotStart_EngineFailedAndLeasesDisabledWithReason()
    {
        var time = new ManualTimeProvider();
        var transport = new VirtualLan(time).Attach("10.0.0.1");
        transport.StartFailure = new InvalidOperationException("no network stack");
        var status = new StatusRegistry(time);
        await using var engine = new MdnsEngine(new MdnsOptions { HostName = "alpha" }, transport, time, NullLogger.Instance, status, new Random(1));
        using var leases = new LeaseKeeper(engine, time, status, NullLogger.Instance);
        var hosted = new MdnsHostedService(engine, leases, status, NullLogger.Instance);

        await hosted.StartAsync(TestContext.Current.CancellationToken);

        Assert.Equal(ComponentState.Failed, Component(status, "mdns/engine").State);
        var leasesComponent = Component(status, "mdns/leases");
        Assert.Equal(ComponentState.Disabled, leasesComponent.State);
        Assert.Equal("the mDNS engine did not start: InvalidOperationException: no network stack", leasesComponent.Reason);
    }

    [Fact]
    public async Task SelfAnnounce_Rejected_SelfAnnounceComponentFailedWithReason()
    {
        var time = new ManualTimeProvider();
        var logger = new RecordingLogger();
        var status = new StatusRegistry(time);
        var options = new MdnsOptions { HostName = "alpha", SelfAnnouncement = new KoiSelfAnnouncement("1.0.0", ApiPort: 0) };
        await using var engine = new MdnsEngine(options, new VirtualLan(time).Attach("10.0.0.1"), time, logger, status, new Random(1));

        await engine.StartAsync(TestContext.Current.CancellationToken);

        var component = await SettledAsync(time, status, "mdns/self-announce");
        Assert.Equal(ComponentState.Failed, component.State);
        Assert.Contains("port must be 1 to 65535", component.Reason, StringComparison.Ordinal);
        Assert.Contains(logger.Entries, e => e.Level == LogLevel.Error && e.Message.Contains("_koi._tcp failed", StringComparison.Ordinal));
    }

    [Fact]
    public async Task SelfAnnounce_Probed_SelfAnnounceComponentRunningWithName()
    {
        var time = new ManualTimeProvider();
        var status = new StatusRegistry(time);
        var options = new MdnsOptions { HostName = "alpha", SelfAnnouncement = new KoiSelfAnnouncement("1.0.0", 8443) };
        await using var engine = new MdnsEngine(options, new VirtualLan(time).Attach("10.0.0.1"), time, NullLogger.Instance, status, new Random(1));

        await engine.StartAsync(TestContext.Current.CancellationToken);

        var component = await SettledAsync(time, status, "mdns/self-announce");
        Assert.Equal(ComponentState.Running, component.State);
        Assert.Equal("announced as alpha._koi._tcp.local", component.Reason);
    }

    [Fact]
    public async Task SelfAnnounce_NoInterface_NotRunningAndNothingSent()
    {
        var time = new ManualTimeProvider();
        var lan = new VirtualLan(time);
        var transport = lan.Attach("10.0.0.1");
        transport.SetUp(false);
        var status = new StatusRegistry(time);
        var options = new MdnsOptions { HostName = "alpha", SelfAnnouncement = new KoiSelfAnnouncement("1.0.0", 8443) };
        await using var engine = new MdnsEngine(options, transport, time, NullLogger.Instance, status, new Random(1));

        await engine.StartAsync(TestContext.Current.CancellationToken);

        var component = await SettledAsync(time, status, "mdns/self-announce");
        time.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal(ComponentState.Failed, component.State);
        Assert.StartsWith("not announced: no mDNS socket is open", component.Reason, StringComparison.Ordinal);
        Assert.Equal(ComponentState.Failed, Component(status, "mdns/self-announce").State);
        Assert.Empty(lan.Log);
        Assert.Equal("waiting", Assert.Single(engine.Registrations()).State);
    }

    [Fact]
    public async Task SelfAnnounce_InterfaceAppears_RunningOnlyOnceAnAnnouncementWentOut()
    {
        var time = new ManualTimeProvider();
        var lan = new VirtualLan(time);
        var transport = lan.Attach("10.0.0.1");
        transport.SetUp(false);
        var status = new StatusRegistry(time);
        var options = new MdnsOptions { HostName = "alpha", SelfAnnouncement = new KoiSelfAnnouncement("1.0.0", 8443) };
        await using var engine = new MdnsEngine(options, transport, time, NullLogger.Instance, status, new Random(1));
        await engine.StartAsync(TestContext.Current.CancellationToken);
        _ = await SettledAsync(time, status, "mdns/self-announce");

        transport.SetUp(true);
        engine.CheckInterfacesNow();
        var whileProbing = Component(status, "mdns/self-announce");
        time.Advance(TimeSpan.FromSeconds(3));

        Assert.Equal(ComponentState.Starting, whileProbing.State);
        var component = Component(status, "mdns/self-announce");
        Assert.Equal(ComponentState.Running, component.State);
        Assert.Equal("announced as alpha._koi._tcp.local", component.Reason);
        var first = lan.Log.First(r => r.IsAnnouncementOf("alpha._koi._tcp.local", DnsType.SRV));
        Assert.True(component.Since >= first.At, $"running since {component.Since:O}, first announcement at {first.At:O}");
    }

    [Fact]
    public async Task SelfAnnounce_LastInterfaceGoesAway_NotRunningUntilItComesBack()
    {
        var time = new ManualTimeProvider();
        var lan = new VirtualLan(time);
        var transport = lan.Attach("10.0.0.1");
        var status = new StatusRegistry(time);
        var options = new MdnsOptions { HostName = "alpha", SelfAnnouncement = new KoiSelfAnnouncement("1.0.0", 8443) };
        await using var engine = new MdnsEngine(options, transport, time, NullLogger.Instance, status, new Random(1));
        await engine.StartAsync(TestContext.Current.CancellationToken);
        var before = await SettledAsync(time, status, "mdns/self-announce");
        time.Advance(TimeSpan.FromSeconds(3));

        transport.SetUp(false);
        engine.CheckInterfacesNow();
        var down = Component(status, "mdns/self-announce");
        var registrationWhileDown = Assert.Single(engine.Registrations()).State;
        transport.SetUp(true);
        engine.CheckInterfacesNow();
        time.Advance(TimeSpan.FromSeconds(3));

        Assert.Equal(ComponentState.Running, before.State);
        Assert.Equal(ComponentState.Failed, down.State);
        Assert.StartsWith("not announced", down.Reason, StringComparison.Ordinal);
        Assert.Equal("waiting", registrationWhileDown);
        Assert.Equal(ComponentState.Running, Component(status, "mdns/self-announce").State);
    }

    [Fact]
    public async Task SelfAnnounce_EngineCannotStart_FailedWithReason()
    {
        var time = new ManualTimeProvider();
        var transport = new VirtualLan(time).Attach("10.0.0.1");
        transport.StartFailure = new InvalidOperationException("no network stack");
        var status = new StatusRegistry(time);
        var options = new MdnsOptions { HostName = "alpha", SelfAnnouncement = new KoiSelfAnnouncement("1.0.0", 8443) };
        await using var engine = new MdnsEngine(options, transport, time, NullLogger.Instance, status, new Random(1));

        await Assert.ThrowsAsync<InvalidOperationException>(() => engine.StartAsync(TestContext.Current.CancellationToken));

        var component = Component(status, "mdns/self-announce");
        Assert.Equal(ComponentState.Failed, component.State);
        Assert.Equal("not announced: the mDNS engine did not start: InvalidOperationException: no network stack", component.Reason);
    }

    private static ComponentSnapshot Component(StatusRegistry status, string name) =>
        Assert.Single(status.Snapshot("mdns"), c => c.Name == name);

    /// <summary>Moves the clock until the component has left "starting" (probing ends within about a second).</summary>
    private static async Task<ComponentSnapshot> SettledAsync(ManualTimeProvider time, StatusRegistry status, string name)
    {
        for (var i = 0; i < 100 && Component(status, name).State == ComponentState.Starting; i++)
        {
            time.Advance(TimeSpan.FromMilliseconds(100));
            await Task.Delay(10, TestContext.Current.CancellationToken);
        }

        return Component(status, name);
    }

    /// <summary>A seeded Random whose <see cref="NextDouble"/> throws while <see cref="Failing"/> is set.</summary>
    private sealed class FaultyRandom(int seed) : Random(seed)
    {
        public volatile bool Failing;

        public override double NextDouble() =>
            Failing ? throw new InvalidOperationException("injected tick failure") : base.NextDouble();
    }
}
