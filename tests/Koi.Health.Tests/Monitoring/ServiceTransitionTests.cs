using Koi.Core.Errors;
using Koi.Core.Events;
using Koi.Health.Monitoring;
using Koi.Health.Probes;
using Koi.Health.Tests.Support;
using Koi.Health.Transitions;

namespace Koi.Health.Tests.Monitoring;

public sealed class ServiceTransitionTests
{
    private static readonly ProbeResult Ok = new(true, "200");
    private static readonly ProbeResult Bad = new(false, "502", "HTTP 502 Bad Gateway");

    [Fact]
    public async Task ApplyProbe_FirstResult_IsBaselineWithoutLogLine()
    {
        await using var h = new HealthHarness();
        var check = h.AddHttp("grafana");

        h.Monitor.ApplyProbe(check, Ok, h.Time.GetUtcNow(), TimeSpan.FromMilliseconds(3));

        Assert.Empty(h.LogLines());
        var view = Assert.Single(h.Service.Status().Services);
        Assert.Equal(("up", "200", 3L), (view.State, view.Label, view.LatencyMs));
    }

    [Fact]
    public async Task ApplyProbe_FirstResult_PublishesBaselineEvent()
    {
        await using var h = new HealthHarness();
        var check = h.AddHttp("grafana");
        // Subscribed after the check was added, as a dashboard that read the board (state unknown) and then listens.
        using var subscription = h.Bus.Subscribe(null);

        h.Monitor.ApplyProbe(check, Bad, h.Time.GetUtcNow(), TimeSpan.Zero);

        var published = Assert.Single(await Drain(subscription, 1));
        Assert.Equal(("health", "baseline"), (published.Capability, published.Kind));
        var baseline = Assert.IsType<BaselineEvent>(published.Data);
        Assert.Equal(("grafana", SubjectKind.Service, "502", false, h.Time.GetUtcNow()), (baseline.Subject, baseline.Kind, baseline.Label, baseline.Up, baseline.At));
    }

    [Fact]
    public async Task ApplyProbe_RepeatedFailures_OneLinePerTransition()
    {
        await using var h = new HealthHarness();
        var check = h.AddHttp("nginx");
        h.Monitor.ApplyProbe(check, Ok, h.Time.GetUtcNow(), TimeSpan.Zero);

        for (var i = 0; i < 5; i++)
        {
            h.Time.Advance(TimeSpan.FromSeconds(30));
            h.Monitor.ApplyProbe(check, Bad, h.Time.GetUtcNow(), TimeSpan.Zero);
        }

        h.Time.Advance(TimeSpan.FromSeconds(30));
        h.Monitor.ApplyProbe(check, Ok, h.Time.GetUtcNow(), TimeSpan.Zero);
        h.Monitor.ApplyProbe(check, Ok, h.Time.GetUtcNow(), TimeSpan.Zero);

        Assert.Equal(
            [
                "2026-11-01 12:00:30 | nginx      | 200 → 502    | HTTP check failed: HTTP 502 Bad Gateway",
                "2026-11-01 12:03:00 | nginx      | 502 → 200    | HTTP check passed",
            ],
            h.LogLines());
    }

    [Fact]
    public async Task ApplyProbe_DownLabelChanges_NoLineButFromShowsLatestLabel()
    {
        await using var h = new HealthHarness();
        var check = h.AddHttp("api");
        h.Monitor.ApplyProbe(check, Bad, h.Time.GetUtcNow(), TimeSpan.Zero);
        h.Monitor.ApplyProbe(check, new ProbeResult(false, "timeout", "no answer within 5s"), h.Time.GetUtcNow(), TimeSpan.Zero);

        h.Monitor.ApplyProbe(check, Ok, h.Time.GetUtcNow(), TimeSpan.Zero);

        var line = Assert.Single(h.LogLines());
        Assert.Contains("| timeout → 200 |", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ApplyProbe_Transition_PublishesHealthEvent()
    {
        await using var h = new HealthHarness();
        using var subscription = h.Bus.Subscribe(null);
        var check = h.AddHttp("grafana");
        h.Monitor.ApplyProbe(check, Ok, h.Time.GetUtcNow(), TimeSpan.Zero);

        h.Monitor.ApplyProbe(check, Bad, h.Time.GetUtcNow(), TimeSpan.Zero);

        var events = await Drain(subscription, 3);
        Assert.Equal(["check_added", "baseline", "transition"], events.Select(e => e.Kind));
        Assert.All(events, e => Assert.Equal("health", e.Capability));
        var transition = Assert.IsType<Transition>(events[2].Data);
        Assert.Equal(("grafana", SubjectKind.Service, "200", "502", false), (transition.Subject, transition.Kind, transition.From, transition.To, transition.Up));
    }

    [Fact]
    public async Task ApplyProbe_CheckRemovedOrReplaced_ResultDropped()
    {
        await using var h = new HealthHarness();
        var old = h.AddHttp("x");
        h.Monitor.Remove("x");
        var replacement = h.AddHttp("x");

        h.Monitor.ApplyProbe(old, Bad, h.Time.GetUtcNow(), TimeSpan.Zero);

        Assert.Equal("unknown", Assert.Single(h.Service.Status().Services).State);
        Assert.NotSame(old, replacement);
    }

    [Fact]
    public async Task Add_SameNameAnyCase_Conflict()
    {
        await using var h = new HealthHarness();
        h.AddHttp("grafana");

        var ex = Assert.Throws<KoiException>(() => h.AddHttp("GRAFANA"));

        Assert.Equal(KoiErrorCode.Conflict, ex.Code);
    }

    [Fact]
    public async Task Add_BeyondMaxChecks_Conflict()
    {
        await using var h = new HealthHarness(new HealthOptions { MaxChecks = 2 });
        h.AddHttp("a");
        h.AddHttp("b");

        Assert.Equal(KoiErrorCode.Conflict, Assert.Throws<KoiException>(() => h.AddHttp("c")).Code);
    }

    [Fact]
    public async Task Remove_Unknown_NotFound()
    {
        await using var h = new HealthHarness();

        Assert.Equal(KoiErrorCode.NotFound, Assert.Throws<KoiException>(() => h.Monitor.Remove("ghost")).Code);
    }

    private static async Task<List<KoiEvent>> Drain(EventSubscription subscription, int count)
    {
        var list = new List<KoiEvent>();
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        cts.CancelAfter(TimeSpan.FromSeconds(5));
        await foreach (var e in subscription.ReadAllAsync(cts.Token))
        {
            list.Add(e);
            if (list.Count == count)
            {
                break;
            }
        }

        return list;
    }
}
