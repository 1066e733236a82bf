using System.Threading.Channels;
using Koi.Core.Discovery;
using Koi.Dns.Protocol;

namespace Koi.Mdns.Discovery;

/// <summary>
/// One browse in progress: its type (null: every type) and the events not yet read. A reader that falls behind loses
/// its oldest events instead of holding up the engine.
/// </summary>
internal sealed class BrowseSubscription(DnsName? serviceType)
{
    public const int Capacity = 1024;

    public DnsName? ServiceType { get; } = serviceType;

    public Channel<ServiceChange> Events { get; } = Channel.CreateBounded<ServiceChange>(
        new BoundedChannelOptions(Capacity) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });

    public bool Wants(DnsName type) => ServiceType is null || ServiceType.Equals(type);
}
