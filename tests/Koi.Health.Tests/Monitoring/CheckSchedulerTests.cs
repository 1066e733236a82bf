using Koi.Core.Status;
using Koi.Health.Tests.Support;
using Koi.Health.Transitions;

namespace Koi.Health.Tests.Monitoring;

public sealed class CheckSchedulerTests
{
    // The manual clock moves in steps while loops run on the thread pool; a loop that is slow to re-arm its timer
    // starts a step or a few late (the first result is also saved as a baseline, with an fsync, so spacing is
    // measured from the second run on). Intervals are long and tolerances a few steps wide, so the slack never hides a
    // wrong schedule (jitter here is 10 s, a blocked check would be 20 s late).
    private static readonly TimeSpan Step = TimeSpan.FromMilliseconds(500);
    private const double Slack = 2.5;

    [Fact]
    public async Task Start_Check_RunsFirstWithinASecondThenEveryInterval()
    {
        await using var h = new HealthHarness(new HealthOptions { Jitter = 0 });
        var check = h.AddHttp("a", interval: 100, timeout: 5);
        var start = h.Time.GetUtcNow();

        h.Scheduler.Start(check);
        // Without jitter the first run needs no clock movement at all; wait for it in real time first, so a busy
        // machine that is slow to schedule the loop cannot make the clock run ahead of it.
        await Eventually.TrueAsync(() => h.Probe.Starts("a").Count >= 1, "first run");
        await Eventually.AdvanceUntilAsync(h.Time, () => h.Probe.Starts("a").Count >= 4, "four runs", Step);

        var starts = h.Probe.Starts("a");
        Assert.True(starts[0] - start <= TimeSpan.FromSeconds(1), $"first run at +{starts[0] - start}");
        Assert.InRange((starts[2] - starts[1]).TotalSeconds, 100, 100 + Slack);
        Assert.InRange((starts[3] - starts[2]).TotalSeconds, 100, 100 + Slack);
        Assert.Equal(ComponentState.Running, h.ChecksHealth.Snapshot.State);
        Assert.Equal("1 check", h.ChecksHealth.Snapshot.Reason);
    }

    [Fact]
    public async Task Start_ViewerReadUnknownBeforeFirstRun_FirstResultReachesItsEventStream()
    {
        await using var h = new HealthHarness(new HealthOptions { Jitter = 0 });
        var check = h.AddHttp("a", interval: 100, timeout: 5);
        // What a dashboard does: read the board (the check still unknown), then listen for what changes.
        Assert.Equal("unknown", Assert.Single(h.Service.Status().Services).State);
        using var subscription = h.Bus.Subscribe(null);

        h.Scheduler.Start(check);

        using var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        cts.CancelAfter(TimeSpan.FromSeconds(10));
        var published = await subscription.ReadAllAsync(cts.Token).FirstAsync(e => e.Capability == "health", cts.Token);
        var baseline = Assert.IsType<BaselineEvent>(published.Data);
        Assert.Equal(("baseline", "a", true), (published.Kind, baseline.Subject, baseline.Up));
        Assert.Equal("up", Assert.Single(h.Service.Status().Services).State);
    }

    [Fact]
    public async Task Start_WithJitter_SpacingStaysWithinIntervalPlusJitter()
    {
        var draws = new Queue<double>([0.0, 0.0, 1.0, 0.0]);
        await using var h = new HealthHarness(new HealthOptions { Jitter = 0.1 }, random: () => draws.Count > 0 ? draws.Dequeue() : 0);
        var check = h.AddHttp("a", interval: 100, timeout: 5);

        h.Scheduler.Start(check);
        await Eventually.AdvanceUntilAsync(h.Time, () => h.Probe.Starts("a").Count >= 4, "four runs", Step);

        var starts = h.Probe.Starts("a");
        Assert.InRange((starts[2] - starts[1]).TotalSeconds, 110, 110 + Slack); // 100 s + all of the 10 % jitter
        Assert.InRange((starts[3] - starts[2]).TotalSeconds, 100, 100 + Slack); // no jitter drawn
    }

    [Fact]
    public async Task Run_HangingTarget_TimesOutAndDoesNotDelayOthers()
    {
        await using var h = new HealthHarness(new HealthOptions { Jitter = 0, MaxConcurrentProbes = 2 });
        h.Probe.Hang("slow");
        var slow = h.AddHttp("slow", interval: 60, timeout: 40);
        var fast = h.AddHttp("fast", interval: 4, timeout: 1);
        h.Scheduler.Start(slow);
        h.Scheduler.Start(fast);

        // While "slow" hangs for its whole 40 s timeout, "fast" keeps running every 4 s.
        await Eventually.AdvanceUntilAsync(h.Time, () => h.Service.Status().Services.Any(s => s.Name == "slow" && s.Label == "timeout"), "slow times out", Step);
        var slowStart = Assert.Single(h.Probe.Starts("slow"));
        var fastDuringHang = h.Probe.Starts("fast").Count(t => t > slowStart && t < slowStart.AddSeconds(40));
        Assert.True(fastDuringHang >= 6, $"fast ran {fastDuringHang} times during the 40 s hang");

        var view = h.Service.Status().Services.Single(s => s.Name == "slow");
        Assert.Equal(("down", "no answer within 40s"), (view.State, view.Detail));
        Assert.Equal("up", h.Service.Status().Services.Single(s => s.Name == "fast").State);
    }

    [Fact]
    public async Task Run_ProbeIgnoringCancellation_StillFreesItsSlotAtTimeout()
    {
        await using var h = new HealthHarness(new HealthOptions { Jitter = 0, MaxConcurrentProbes = 1 });
        h.Probe.HangDeaf("deaf");
        var deaf = h.AddHttp("deaf", interval: 10, timeout: 3);
        var other = h.AddHttp("other", interval: 10, timeout: 3);
        h.Scheduler.Start(deaf);
        await Eventually.AdvanceUntilAsync(h.Time, () => h.Probe.Starts("deaf").Count == 1, "deaf started");
        h.Scheduler.Start(other);

        await Eventually.AdvanceUntilAsync(h.Time, () => h.Probe.Starts("other").Count == 1, "other runs once the slot is free", max: TimeSpan.FromSeconds(5));

        Assert.Equal("timeout", h.Service.Status().Services.Single(s => s.Name == "deaf").Label);
    }

    [Fact]
    public async Task Run_ManyHangingTargets_InFlightNeverExceedsPool()
    {
        await using var h = new HealthHarness(new HealthOptions { Jitter = 0, MaxConcurrentProbes = 3 });
        for (var i = 0; i < 8; i++)
        {
            h.Probe.Hang($"c{i}");
            h.Scheduler.Start(h.AddHttp($"c{i}", interval: 5, timeout: 5));
        }

        await Eventually.AdvanceUntilAsync(h.Time, () => Enumerable.Range(0, 8).All(i => h.Probe.Starts($"c{i}").Count >= 1), "every check ran once");

        Assert.Equal(3, h.Probe.MaxInFlight);
    }

    [Fact]
    public async Task Stop_Check_NoFurtherRuns()
    {
        await using var h = new HealthHarness(new HealthOptions { Jitter = 0 });
        var check = h.AddHttp("a", interval: 5);
        h.Scheduler.Start(check);
        await Eventually.AdvanceUntilAsync(h.Time, () => h.Probe.Starts("a").Count >= 1, "first run");

        h.Scheduler.Stop("a");
        for (var i = 0; i < 30; i++)
        {
            h.Time.Advance(TimeSpan.FromSeconds(1));
            await Task.Delay(2, TestContext.Current.CancellationToken);
        }

        Assert.Single(h.Probe.Starts("a"));
        Assert.Equal("0 checks", h.ChecksHealth.Snapshot.Reason);
    }

    [Fact]
    public async Task Run_LoopDies_FailedWithReason_UntilTheCheckIsStartedAfresh()
    {
        // Broken for one draw only, a's: b, started below while a is dead, runs its loop on the thread pool beside this
        // test and draws too; with the source broken until a restart, b died now and then as well and a's restart
        // found the component still failed (b's fault).
        var broken = 1;
        await using var h = new HealthHarness(
            new HealthOptions { Jitter = 0.1 },
            random: () => Interlocked.Exchange(ref broken, 0) == 1 ? throw new InvalidOperationException("jitter source broke") : 0.5);
        var check = h.AddHttp("a", interval: 5);

        h.Scheduler.Start(check);
        await Eventually.AdvanceUntilAsync(h.Time, () => h.ChecksHealth.Snapshot.State == ComponentState.Failed, "the dead loop to show");
        Assert.Equal("check a stopped: jitter source broke; remove and re-add the check, or restart the daemon", h.ChecksHealth.Snapshot.Reason);

        // Starting another check does not hide it.
        h.Scheduler.Start(h.AddHttp("b", interval: 5));
        Assert.Equal(ComponentState.Failed, h.ChecksHealth.Snapshot.State);

        h.Scheduler.Start(check);

        Assert.Equal(ComponentState.Running, h.ChecksHealth.Snapshot.State);
        Assert.Equal("2 checks", h.ChecksHealth.Snapshot.Reason);
        await Eventually.AdvanceUntilAsync(h.Time, () => h.Probe.Starts("a").Count >= 1, "a to run again");
    }

    [Fact]
    public async Task Run_ProbeThrows_CountsAsDownAndKeepsRunning()
    {
        await using var h = new HealthHarness(new HealthOptions { Jitter = 0 });
        var calls = 0;
        var throwing = new ThrowingProbe(() => Interlocked.Increment(ref calls));
        await using var broken = new HealthHarness(new HealthOptions { Jitter = 0 }, time: h.Time, probe: throwing);
        var check = broken.AddHttp("buggy", interval: 5);

        broken.Scheduler.Start(check);
        await Eventually.AdvanceUntilAsync(h.Time, () => Volatile.Read(ref calls) >= 2, "two runs");

        var view = Assert.Single(broken.Service.Status().Services);
        Assert.Equal(("down", "error"), (view.State, view.Label));
        Assert.Equal(ComponentState.Running, broken.ChecksHealth.Snapshot.State);
    }

    private sealed class ThrowingProbe(Action called) : Koi.Health.Probes.ICheckProbe
    {
        public Task<Koi.Health.Probes.ProbeResult> ProbeAsync(Koi.Health.Checks.CheckDefinition check, CancellationToken cancellationToken)
        {
            called();
            throw new InvalidOperationException("probe bug");
        }
    }
}
