using System.Runtime.CompilerServices;
using Koi.Core.Discovery;

namespace Koi.Health.Tests.Support;

/// <summary>An mDNS registry the test fills by hand.</summary>
internal sealed class FakeServiceDirectory : IServiceDirectory, IServiceReconfirmer
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, DiscoveredService> _services = [];

    /// <summary>Every instance health asked mDNS to reconfirm, in order.</summary>
    public List<string> Reconfirmed { get; } = [];

    public bool Reconfirm(string instanceFullName)
    {
        lock (_gate)
        {
            Reconfirmed.Add(instanceFullName);
            return _services.ContainsKey(instanceFullName);
        }
    }

    public void Set(DiscoveredService service)
    {
        lock (_gate)
        {
            _services[service.FullName] = service;
        }
    }

    public void Remove(string fullName)
    {
        lock (_gate)
        {
            _services.Remove(fullName);
        }
    }

    public IReadOnlyList<DiscoveredService> Services(string? serviceType = null)
    {
        lock (_gate)
        {
            return [.. _services.Values];
        }
    }

    public DiscoveredService? Find(string fullName)
    {
        lock (_gate)
        {
            return _services.GetValueOrDefault(fullName);
        }
    }

    public async IAsyncEnumerable<ServiceChange> WatchAsync(string? serviceType, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await Task.Delay(Timeout.Infinite, cancellationToken);
        yield break;
    }

    /// <summary>The <c>_koi._tcp</c> instance of a machine, resolved (or stale after a goodbye), last seen at <paramref name="lastSeen"/>.</summary>
    public static DiscoveredService Koi(string host, DateTimeOffset lastSeen, bool stale = false, bool srvExpired = false) => new(
        $"koi on {host}",
        "_koi._tcp",
        $"koi on {host}._koi._tcp.local",
        srvExpired ? null : $"{host}.local",
        srvExpired ? 0 : 5641,
        srvExpired ? [] : [IPAddress.Parse("10.77.0.11")],
        new Dictionary<string, string>(),
        lastSeen,
        lastSeen,
        IsResolved: !srvExpired,
        IsStale: stale);
}
