using Koi.Health.Proxies;
using Koi.Health.Tests.Support;

namespace Koi.Health.Tests.Proxies;

public sealed class ProxyVerdictTests
{
    private static readonly DateTimeOffset At = new(2026, 11, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Decide_ListeningBackendReachable_Up()
    {
        Assert.Equal((true, "proxy: listening, backend reachable"), ProxyVerdict.Decide(FakeProxyFacts.Up("grafana", At)));
    }

    [Fact]
    public void Decide_BackendUnreachable_DownWithTheProxysReason()
    {
        Assert.Equal(
            (false, "proxy: backend http://localhost:3000: connection refused (127.0.0.1:3000)"),
            ProxyVerdict.Decide(FakeProxyFacts.BackendDown("grafana", At)));
    }

    [Fact]
    public void Decide_BindFailed_DownWithTheBindError()
    {
        Assert.Equal(
            (false, "proxy: cannot listen on :8443: address already in use (another program holds the port)"),
            ProxyVerdict.Decide(FakeProxyFacts.BindFailed("grafana", At)));
    }

    [Fact]
    public void Decide_StartingOrStopping_Undecided()
    {
        Assert.Equal((null, null), ProxyVerdict.Decide(FakeProxyFacts.Starting("grafana", At)));
    }

    [Fact]
    public void Decide_ListeningBackendNotTriedYet_Undecided()
    {
        Assert.Equal((null, null), ProxyVerdict.Decide(FakeProxyFacts.Up("grafana", At) with { BackendReachable = null }));
    }

    [Fact]
    public void Decide_BindFailedWhileBackendReachable_DownForTheListener()
    {
        var facts = FakeProxyFacts.BindFailed("grafana", At) with { BackendReachable = true };

        Assert.Equal(false, ProxyVerdict.Decide(facts).Up);
    }
}
