using Koi.Core.Events;
using Koi.Health.Monitoring;
using Koi.Health.Tests.Support;
using Koi.Health.Transitions;

namespace Koi.Health.Tests.Monitoring;

public sealed class ProxyTransitionTests
{
    [Fact]
    public async Task Sweep_ListeningBackendReachable_UpWithoutLogLine()
    {
        await using var h = new HealthHarness();
        h.Proxies.Set(FakeProxyFacts.Up("grafana", h.Time.GetUtcNow()));

        h.ProxyWatcher.Sweep();

        var proxy = Assert.Single(h.Service.Status().Proxies);
        Assert.Equal(("grafana", "up", 8443, "http://localhost:3000", true, true), (proxy.Name, proxy.State, proxy.ListenPort, proxy.Backend, proxy.Listening, proxy.BackendReachable));
        Assert.Null(proxy.Detail);
        Assert.Equal(h.Time.GetUtcNow(), proxy.Since);
        Assert.Empty(h.LogLines());
    }

    [Fact]
    public async Task Sweep_BackendGoesAwayAndComesBack_OneLineEachWay()
    {
        await using var h = new HealthHarness();
        h.Proxies.Set(FakeProxyFacts.Up("grafana", h.Time.GetUtcNow()));
        h.ProxyWatcher.Sweep();

        h.Time.Advance(TimeSpan.FromSeconds(30));
        h.Proxies.Set(FakeProxyFacts.BackendDown("grafana", h.Time.GetUtcNow(), failures: 3));
        for (var i = 0; i < 5; i++)
        {
            h.ProxyWatcher.Sweep();
            h.Time.Advance(TimeSpan.FromSeconds(2));
        }

        var down = Assert.Single(h.Service.Status().Proxies);
        Assert.Equal(("down", false, 3L), (down.State, down.BackendReachable, down.BackendFailures));
        Assert.Equal("backend http://localhost:3000: connection refused (127.0.0.1:3000)", down.Detail);
        Assert.Equal(new DateTimeOffset(2026, 11, 1, 12, 0, 30, TimeSpan.Zero), down.Since);

        h.Proxies.Set(FakeProxyFacts.Up("grafana", h.Time.GetUtcNow()));
        h.ProxyWatcher.Sweep();

        Assert.Equal(
            [
                "2026-11-01 12:00:30 | grafana    | up → down    | proxy: backend http://localhost:3000: connection refused (127.0.0.1:3000)",
                "2026-11-01 12:00:40 | grafana    | down → up    | proxy: listening, backend reachable",
            ],
            h.LogLines());
        Assert.Equal("up", h.Service.Status().Proxies[0].State);
    }

    [Fact]
    public async Task Sweep_BindFailsAfterBackendFailed_StillDown_NoSecondLine_DetailFollows()
    {
        await using var h = new HealthHarness();
        h.Proxies.Set(FakeProxyFacts.Up("grafana", h.Time.GetUtcNow()));
        h.ProxyWatcher.Sweep();
        h.Proxies.Set(FakeProxyFacts.BackendDown("grafana", h.Time.GetUtcNow()));
        h.ProxyWatcher.Sweep();

        h.Proxies.Set(FakeProxyFacts.BindFailed("grafana", h.Time.GetUtcNow()));
        h.ProxyWatcher.Sweep();

        Assert.Single(h.LogLines());
        var proxy = Assert.Single(h.Service.Status().Proxies);
        Assert.Equal(("down", false), (proxy.State, proxy.Listening));
        Assert.Equal("cannot listen on :8443: address already in use (another program holds the port)", proxy.Detail);
    }

    [Fact]
    public async Task Sweep_FirstSeenDown_BaselineShownWithoutLine()
    {
        await using var h = new HealthHarness();
        h.Proxies.Set(FakeProxyFacts.BindFailed("spare", h.Time.GetUtcNow()));

        h.ProxyWatcher.Sweep();

        var proxy = Assert.Single(h.Service.Status().Proxies);
        Assert.Equal(("spare", "down"), (proxy.Name, proxy.State));
        Assert.Contains("address already in use", proxy.Detail, StringComparison.Ordinal);
        Assert.Empty(h.LogLines());
    }

    [Fact]
    public async Task Sweep_Starting_UnknownUntilDecided()
    {
        await using var h = new HealthHarness();
        h.Proxies.Set(FakeProxyFacts.Starting("grafana", h.Time.GetUtcNow()));

        h.ProxyWatcher.Sweep();

        var proxy = Assert.Single(h.Service.Status().Proxies);
        Assert.Equal("unknown", proxy.State);
        Assert.Null(proxy.Since);
    }

    [Fact]
    public async Task Sweep_ListenerRestarts_StateKept_NoLines()
    {
        await using var h = new HealthHarness();
        h.Proxies.Set(FakeProxyFacts.Up("grafana", h.Time.GetUtcNow()));
        h.ProxyWatcher.Sweep();

        h.Proxies.Set(FakeProxyFacts.Starting("grafana", h.Time.GetUtcNow()));
        h.ProxyWatcher.Sweep();
        h.Proxies.Set(FakeProxyFacts.Up("grafana", h.Time.GetUtcNow()) with { BackendReachable = null });
        h.ProxyWatcher.Sweep();
        h.Proxies.Set(FakeProxyFacts.Up("grafana", h.Time.GetUtcNow()));
        h.ProxyWatcher.Sweep();

        Assert.Equal("up", Assert.Single(h.Service.Status().Proxies).State);
        Assert.Empty(h.LogLines());
    }

    [Fact]
    public async Task Sweep_Transition_PublishesHealthEventOfKindProxy()
    {
        await using var h = new HealthHarness();
        using var subscription = h.Bus.Subscribe(null);
        h.Proxies.Set(FakeProxyFacts.Up("grafana", h.Time.GetUtcNow()));
        h.ProxyWatcher.Sweep();

        h.Proxies.Set(FakeProxyFacts.BackendDown("grafana", h.Time.GetUtcNow()));
        h.ProxyWatcher.Sweep();

        Assert.Equal("baseline", (await FirstAsync(subscription)).Kind);
        var published = await FirstAsync(subscription);
        Assert.Equal("transition", published.Kind);
        var transition = Assert.IsType<Transition>(published.Data);
        Assert.Equal(("grafana", SubjectKind.Proxy, "up", "down", false), (transition.Subject, transition.Kind, transition.From, transition.To, transition.Up));
    }

    [Fact]
    public async Task Sweep_FirstDecision_PublishesBaselineEventOfKindProxy()
    {
        await using var h = new HealthHarness();
        using var subscription = h.Bus.Subscribe(null);
        h.Proxies.Set(FakeProxyFacts.BindFailed("grafana", h.Time.GetUtcNow()));

        h.ProxyWatcher.Sweep();

        var published = await FirstAsync(subscription);
        Assert.Equal("baseline", published.Kind);
        var baseline = Assert.IsType<BaselineEvent>(published.Data);
        Assert.Equal(("grafana", SubjectKind.Proxy, "down", false), (baseline.Subject, baseline.Kind, baseline.Label, baseline.Up));
        Assert.Empty(h.LogLines());
    }

    [Fact]
    public async Task Sweep_ProxyAndCheckShareAName_BothShownApart()
    {
        await using var h = new HealthHarness();
        h.AddHttp("grafana");
        h.Proxies.Set(FakeProxyFacts.BackendDown("grafana", h.Time.GetUtcNow()));

        h.ProxyWatcher.Sweep();

        var status = h.Service.Status();
        Assert.Equal("unknown", Assert.Single(status.Services).State);
        Assert.Equal("down", Assert.Single(status.Proxies).State);
        Assert.Equal((0, 1, 1), h.Monitor.Counts());
    }

    [Fact]
    public async Task Sweep_EntryRemoved_HiddenAtOnce_ForgottenAfterStartGrace()
    {
        await using var h = new HealthHarness();
        h.Proxies.Set(FakeProxyFacts.Up("grafana", h.Time.GetUtcNow()));
        h.Proxies.Set(FakeProxyFacts.Up("spare", h.Time.GetUtcNow()));
        h.ProxyWatcher.Sweep();

        h.Proxies.Remove("spare");
        h.ProxyWatcher.Sweep();
        Assert.Equal(["grafana"], h.Service.Status().Proxies.Select(p => p.Name));
        Assert.Equal(["grafana", "spare"], h.Store.Load().Proxies.Select(p => p.Name));

        h.Time.Advance(HealthMonitor.ProxyStartGrace);
        h.ProxyWatcher.Sweep();

        Assert.Equal(["grafana"], h.Store.Load().Proxies.Select(p => p.Name));
        Assert.Equal((1, 0, 0), h.Monitor.Counts());
    }

    [Fact]
    public async Task Sweep_AfterRestart_SameState_NoLine_ChangedWhileAway_OneLine()
    {
        using var dir = new TempDirectory();
        var time = new ManualTimeProvider();
        await using (var first = new HealthHarness(dir: dir, time: time))
        {
            first.Proxies.Set(FakeProxyFacts.Up("grafana", time.GetUtcNow()));
            first.Proxies.Set(FakeProxyFacts.Up("spare", time.GetUtcNow()));
            first.ProxyWatcher.Sweep();
        }

        time.Advance(TimeSpan.FromMinutes(5));
        await using var second = new HealthHarness(dir: dir, time: time);
        Assert.Null(second.Monitor.Load());

        // The proxy has not loaded its entries yet: nothing shown, nothing forgotten.
        second.ProxyWatcher.Sweep();
        Assert.Empty(second.Service.Status().Proxies);

        second.Proxies.Set(FakeProxyFacts.Starting("grafana", time.GetUtcNow()));
        second.Proxies.Set(FakeProxyFacts.Starting("spare", time.GetUtcNow()));
        second.ProxyWatcher.Sweep();
        Assert.Equal(["up", "up"], second.Service.Status().Proxies.Select(p => p.State));

        second.Proxies.Set(FakeProxyFacts.Up("grafana", time.GetUtcNow()));
        second.Proxies.Set(FakeProxyFacts.BindFailed("spare", time.GetUtcNow()));
        second.ProxyWatcher.Sweep();

        Assert.Equal(["2026-11-01 12:05:00 | spare      | up → down    | proxy: cannot listen on :8443: address already in use (another program holds the port)"], second.LogLines());
    }

    [Fact]
    public async Task Loop_ProxyFactsChange_StatusFollowsWithinASweep()
    {
        await using var h = new HealthHarness();
        h.Proxies.Set(FakeProxyFacts.Up("grafana", h.Time.GetUtcNow()));
        h.Service.Start();
        await Eventually.TrueAsync(() => h.Service.Status().Proxies is [{ State: "up" }], "the first sweep to see the entry up");

        h.Proxies.Set(FakeProxyFacts.BackendDown("grafana", h.Time.GetUtcNow()));
        await Eventually.AdvanceUntilAsync(h.Time, () => h.Service.Status().Proxies is [{ State: "down" }], "the next sweep to see it down", max: h.Options.ProxySweep * 3);

        Assert.Equal(Koi.Core.Status.ComponentState.Running, h.Status.Snapshot("health").Single(c => c.Name == "health/proxies").State);
        Assert.Single(h.LogLines());
    }

    private static async Task<KoiEvent> FirstAsync(EventSubscription subscription)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        cts.CancelAfter(TimeSpan.FromSeconds(5));
        await foreach (var e in subscription.ReadAllAsync(cts.Token))
        {
            if (e.Capability == "health")
            {
                return e;
            }
        }

        throw new TimeoutException("no event");
    }
}
