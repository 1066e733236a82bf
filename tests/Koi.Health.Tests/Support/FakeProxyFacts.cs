using Koi.Core.Proxy;

namespace Koi.Health.Tests.Support;

/// <summary>The proxy's facts as the test sets them: one entry per name, replaced whole.</summary>
internal sealed class FakeProxyFacts : IProxyFacts
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, ProxyEntryFacts> _entries = [];

    public static ProxyEntryFacts Up(string name, DateTimeOffset since) =>
        new(name, 8443, "http://localhost:3000", Listening: true, BackendReachable: true, BackendFailures: 0, Problem: null, since);

    public static ProxyEntryFacts BackendDown(string name, DateTimeOffset since, long failures = 1) =>
        new(name, 8443, "http://localhost:3000", Listening: true, BackendReachable: false, failures,
            "backend http://localhost:3000: connection refused (127.0.0.1:3000)", since);

    public static ProxyEntryFacts BindFailed(string name, DateTimeOffset since) =>
        new(name, 8443, "http://localhost:3000", Listening: false, BackendReachable: null, BackendFailures: 0,
            "cannot listen on :8443: address already in use (another program holds the port)", since);

    /// <summary>What the proxy reports while a listener starts or stops: not listening, and no problem.</summary>
    public static ProxyEntryFacts Starting(string name, DateTimeOffset since) =>
        new(name, 8443, "http://localhost:3000", Listening: false, BackendReachable: null, BackendFailures: 0, Problem: null, since);

    public void Set(ProxyEntryFacts facts)
    {
        lock (_gate)
        {
            _entries[facts.Name] = facts;
        }
    }

    public void Remove(string name)
    {
        lock (_gate)
        {
            _entries.Remove(name);
        }
    }

    public IReadOnlyList<ProxyEntryFacts> Entries()
    {
        lock (_gate)
        {
            return [.. _entries.Values];
        }
    }
}
