using Koi.Mdns.Transport;

namespace Koi.Mdns.Responding;

/// <summary>
/// What the responder's parts share: our names, the records they make, when each went out on each link, and the links
/// in use. Not thread-safe: engine lock.
/// </summary>
internal sealed class ResponderState
{
    public ResponderState(string hostLabel)
    {
        Records = new LocalRecords(Hosts, Services);
        OwnHost = new LocalHost(hostLabel, null);
        Hosts.Add(OwnHost);
    }

    public LocalHost OwnHost { get; }

    /// <summary>This machine's host name first, then hosts that registrations named.</summary>
    public List<LocalHost> Hosts { get; } = [];

    public Dictionary<string, LocalService> Services { get; } = new(StringComparer.Ordinal);

    public LocalRecords Records { get; }

    public MulticastRateLimiter Rate { get; } = new();

    public LinkSet Links { get; set; } = LinkSet.Empty;
}
