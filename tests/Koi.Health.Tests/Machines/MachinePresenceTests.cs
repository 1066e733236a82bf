using Koi.Health.Tests.Support;
using Koi.Health.Transitions;

namespace Koi.Health.Tests.Machines;

public sealed class MachinePresenceTests
{
    [Fact]
    public async Task Sweep_LiveService_MachineUpWithoutLogLine()
    {
        await using var h = new HealthHarness();
        h.Directory.Set(FakeServiceDirectory.Koi("stone-a", h.Time.GetUtcNow()));

        h.Watcher.Sweep();

        var machine = Assert.Single(h.Service.Status().Machines);
        Assert.Equal(("stone-a", "up", h.Time.GetUtcNow()), (machine.Name, machine.State, machine.LastSeen));
        Assert.Equal(["10.77.0.11"], machine.Addresses);
        Assert.Empty(h.LogLines());
    }

    [Fact]
    public async Task Sweep_FirstSeen_PublishesBaselineEventOfKindMachine()
    {
        await using var h = new HealthHarness();
        using var subscription = h.Bus.Subscribe(null);
        h.Directory.Set(FakeServiceDirectory.Koi("stone-a", h.Time.GetUtcNow()));

        h.Watcher.Sweep();

        using var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        cts.CancelAfter(TimeSpan.FromSeconds(5));
        var published = await subscription.ReadAllAsync(cts.Token).FirstAsync(e => e.Capability == "health", cts.Token);
        Assert.Equal("baseline", published.Kind);
        var baseline = Assert.IsType<BaselineEvent>(published.Data);
        Assert.Equal(("stone-a", SubjectKind.Machine, "up", true), (baseline.Subject, baseline.Kind, baseline.Label, baseline.Up));
    }

    [Fact]
    public async Task Sweep_GoodbyeThenSilence_DownAfterThresholdWithOneLine()
    {
        await using var h = new HealthHarness();
        var seen = h.Time.GetUtcNow();
        h.Directory.Set(FakeServiceDirectory.Koi("stone-09", seen));
        h.Watcher.Sweep();
        h.Directory.Set(FakeServiceDirectory.Koi("stone-09", seen, stale: true));

        h.Time.Advance(TimeSpan.FromSeconds(59));
        h.Watcher.Sweep();
        Assert.Equal("up", h.Service.Status().Machines[0].State);

        h.Time.Advance(TimeSpan.FromSeconds(1));
        h.Watcher.Sweep();
        h.Time.Advance(TimeSpan.FromSeconds(30));
        h.Watcher.Sweep();

        Assert.Equal("down", h.Service.Status().Machines[0].State);
        Assert.Equal(["2026-11-01 12:01:00 | stone-09   | up → down    | mDNS: not seen for 60s"], h.LogLines());
    }

    [Fact]
    public async Task Sweep_LiveServiceSilentForTheThreshold_ReconfirmedOnceThenAgainAfterANewSighting()
    {
        await using var h = new HealthHarness();
        h.Directory.Set(FakeServiceDirectory.Koi("stone-09", h.Time.GetUtcNow()));

        h.Time.Advance(TimeSpan.FromSeconds(59));
        h.Watcher.Sweep();
        Assert.Empty(h.Directory.Reconfirmed);
        h.Time.Advance(TimeSpan.FromSeconds(1));
        h.Watcher.Sweep();
        h.Time.Advance(TimeSpan.FromSeconds(2));
        h.Watcher.Sweep();
        Assert.Equal(["koi on stone-09._koi._tcp.local"], h.Directory.Reconfirmed);

        h.Directory.Set(FakeServiceDirectory.Koi("stone-09", h.Time.GetUtcNow()));
        h.Time.Advance(TimeSpan.FromSeconds(60));
        h.Watcher.Sweep();

        Assert.Equal(2, h.Directory.Reconfirmed.Count);
        Assert.Equal("up", h.Service.Status().Machines[0].State);
    }

    [Fact]
    public async Task Sweep_VanishedWithoutGoodbyeReconfirmUnanswered_DownWhenMdnsFlushesAboutTenSecondsLater()
    {
        await using var h = new HealthHarness();
        var seen = h.Time.GetUtcNow();
        h.Directory.Set(FakeServiceDirectory.Koi("stone-09", seen));
        h.Watcher.Sweep();
        h.Time.Advance(TimeSpan.FromSeconds(60));
        h.Watcher.Sweep();
        Assert.Single(h.Directory.Reconfirmed);
        Assert.Equal("up", h.Service.Status().Machines[0].State);

        // Nobody answered the reconfirming queries: mDNS flushed the SRV record (docs/health.md).
        h.Time.Advance(TimeSpan.FromSeconds(10));
        h.Directory.Set(FakeServiceDirectory.Koi("stone-09", seen, srvExpired: true));
        h.Watcher.Sweep();

        Assert.Equal("down", h.Service.Status().Machines[0].State);
        Assert.Equal(["2026-11-01 12:01:10 | stone-09   | up → down    | mDNS: not seen for 60s"], h.LogLines());
    }

    [Fact]
    public async Task Sweep_Rediscovered_DownToUpLine()
    {
        await using var h = new HealthHarness();
        h.Directory.Set(FakeServiceDirectory.Koi("stone-09", h.Time.GetUtcNow()));
        h.Watcher.Sweep();
        h.Directory.Set(FakeServiceDirectory.Koi("stone-09", h.Time.GetUtcNow(), stale: true));
        h.Time.Advance(TimeSpan.FromMinutes(5));
        h.Watcher.Sweep();

        h.Directory.Set(FakeServiceDirectory.Koi("stone-09", h.Time.GetUtcNow()));
        h.Watcher.Sweep();

        var lines = h.LogLines();
        Assert.Equal(2, lines.Length);
        Assert.Equal("2026-11-01 12:05:00 | stone-09   | down → up    | mDNS: rediscovered", lines[1]);
    }

    [Fact]
    public async Task Sweep_SrvExpired_MachineRememberedAndGoesDown()
    {
        await using var h = new HealthHarness();
        var seen = h.Time.GetUtcNow();
        h.Directory.Set(FakeServiceDirectory.Koi("stone-b", seen));
        h.Watcher.Sweep();

        // The SRV record expired: the instance no longer names its host, but it still was stone-b's.
        h.Directory.Set(FakeServiceDirectory.Koi("stone-b", seen, srvExpired: true));
        h.Time.Advance(TimeSpan.FromSeconds(120));
        h.Watcher.Sweep();

        var machine = Assert.Single(h.Service.Status().Machines);
        Assert.Equal(("stone-b", "down"), (machine.Name, machine.State));
        Assert.Single(h.LogLines());
    }

    [Fact]
    public async Task Sweep_ConfiguredThreshold_IsHonoured()
    {
        await using var h = new HealthHarness(new HealthOptions { MachineDownAfter = TimeSpan.FromSeconds(10) });
        h.Directory.Set(FakeServiceDirectory.Koi("stone-a", h.Time.GetUtcNow()));
        h.Watcher.Sweep();
        h.Directory.Remove("koi on stone-a._koi._tcp.local");

        h.Time.Advance(TimeSpan.FromSeconds(10));
        h.Watcher.Sweep();

        Assert.Contains("mDNS: not seen for 10s", Assert.Single(h.LogLines()), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sweep_MemberNeverSeen_UnknownThenDownWithoutLine()
    {
        await using var h = new HealthHarness(members: new FakeMemberDirectory("stone-05"));

        h.Watcher.Sweep();
        var early = Assert.Single(h.Service.Status().Machines);
        Assert.Equal(("stone-05", "unknown", true), (early.Name, early.State, early.Member));

        h.Time.Advance(TimeSpan.FromSeconds(60));
        h.Watcher.Sweep();

        Assert.Equal("down", h.Service.Status().Machines[0].State);
        Assert.Empty(h.LogLines());
    }

    [Fact]
    public async Task Sweep_MdnsAndMemberSpellings_AreOneMachine()
    {
        await using var h = new HealthHarness(members: new FakeMemberDirectory("Stone-A"));
        h.Directory.Set(FakeServiceDirectory.Koi("stone-a", h.Time.GetUtcNow()));

        h.Watcher.Sweep();

        var machine = Assert.Single(h.Service.Status().Machines);
        Assert.Equal(("stone-a", true, "up"), (machine.Name, machine.Member, machine.State));
    }

    [Fact]
    public async Task Sweep_RememberedUpMachineAbsentAfterRestart_DownAfterThresholdFromStart()
    {
        using var dir = new TempDirectory();
        var time = new ManualTimeProvider();
        await using (var first = new HealthHarness(dir: dir, time: time))
        {
            first.Directory.Set(FakeServiceDirectory.Koi("stone-c", time.GetUtcNow()));
            first.Watcher.Sweep();
        }

        time.Advance(TimeSpan.FromHours(1));
        await using var second = new HealthHarness(dir: dir, time: time);
        second.Monitor.Load();
        second.Watcher.Sweep();
        Assert.Equal("up", second.Service.Status().Machines[0].State);

        time.Advance(TimeSpan.FromSeconds(60));
        second.Watcher.Sweep();

        Assert.Equal("down", second.Service.Status().Machines[0].State);
        Assert.Contains("| stone-c    | up → down ", Assert.Single(second.LogLines()), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_Watcher_ReportsRunningAndSweepsOnItsOwn()
    {
        await using var h = new HealthHarness();
        h.Directory.Set(FakeServiceDirectory.Koi("stone-a", h.Time.GetUtcNow()));

        h.Service.Start();
        await Eventually.TrueAsync(
            () => h.Status.Snapshot("health").Single(c => c.Name == "health/machines").State == Koi.Core.Status.ComponentState.Running,
            "machines component running");

        Assert.Single(h.Service.Status().Machines);
    }
}
