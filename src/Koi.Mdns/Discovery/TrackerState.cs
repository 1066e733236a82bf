using Koi.Core.Discovery;
using Koi.Dns.Protocol;

namespace Koi.Mdns.Discovery;

/// <summary>
/// What the service tracker, its recomputer and its question planner share: the services known, who browses and who
/// waits for a resolve. Not thread-safe: engine lock.
/// </summary>
internal sealed class TrackerState
{
    public Dictionary<DnsName, TrackedService> Services { get; } = [];

    /// <summary>Host name → instances whose SRV points at it, so an address change reaches those services.</summary>
    public Dictionary<DnsName, HashSet<DnsName>> ByHost { get; } = [];

    public List<BrowseSubscription> Subscriptions { get; } = [];

    /// <summary>Instance → resolves in progress for it.</summary>
    public Dictionary<DnsName, int> ResolveInterest { get; } = [];

    public Dictionary<DnsName, List<TaskCompletionSource<DiscoveredService>>> ResolveWaiters { get; } = [];

    /// <summary>Instances with a record received (not expired or said goodbye to) since the last recompute.</summary>
    public HashSet<DnsName> Touched { get; } = [];

    /// <summary>Set when what the querier should ask may have changed.</summary>
    public bool InterestChanged { get; set; } = true;
}
