namespace Koi.Core.Discovery;

/// <summary>
/// The services discovered on the local network. The mDNS capability implements it; certmesh (CA discovery), DNS
/// (service names) and health (presence) read it without knowing mDNS exists.
/// </summary>
public interface IServiceDirectory
{
    /// <summary>Every known instance, stale ones included, optionally of one type (e.g. <c>_certmesh._tcp</c>).</summary>
    IReadOnlyList<DiscoveredService> Services(string? serviceType = null);

    /// <summary>One instance by full name (e.g. <c>My App._http._tcp.local</c>), or null when it is unknown.</summary>
    DiscoveredService? Find(string fullName);

    /// <summary>
    /// Browses a type (all types when null) for as long as the enumeration runs: first the instances already known,
    /// then changes as they happen. Ends when <paramref name="cancellationToken"/> is cancelled.
    /// </summary>
    IAsyncEnumerable<ServiceChange> WatchAsync(string? serviceType, CancellationToken cancellationToken);
}
