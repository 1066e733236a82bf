using System.Net;
using Koi.Dns.Protocol.Records;

namespace Koi.Dns.Zone;

/// <summary>One name while a snapshot is being built: the source that owns it and what it collected so far.</summary>
internal sealed class ZoneDraft(string name, ZoneSource source, ZoneDraftKind kind)
{
    public string Name { get; } = name;

    public ZoneSource Source { get; } = source;

    public ZoneDraftKind Kind { get; } = kind;

    public List<IPAddress> Addresses { get; } = [];

    public List<SrvRecordData> Srv { get; } = [];

    public List<TxtRecordData> Txt { get; } = [];

    public bool Rotate { get; set; }

    public void AddAddress(IPAddress address)
    {
        if (!Addresses.Contains(address))
        {
            Addresses.Add(address);
        }
    }
}

/// <summary>What generated a name, so that one source's different kinds of names do not merge by accident.</summary>
internal enum ZoneDraftKind
{
    Host,
    ServiceAlias,
    InstanceAlias,
    ServiceType,
}
