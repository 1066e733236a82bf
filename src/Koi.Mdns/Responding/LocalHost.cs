using System.Net;
using System.Net.Sockets;
using Koi.Dns.Protocol;
using Koi.Dns.Protocol.Records;
using Koi.Mdns.Naming;
using Koi.Mdns.Transport;

namespace Koi.Mdns.Responding;

/// <summary>
/// A host name and its addresses. This machine's own name answers with each interface's addresses; a host given with
/// a registration (<c>--host</c>/<c>--ip</c>, e.g. a device koi announces for) answers with its fixed addresses.
/// </summary>
internal sealed class LocalHost(string label, IReadOnlyList<IPAddress>? fixedAddresses) : UniqueName
{
    public const uint Ttl = 120;

    private DnsName _name = HostLabel.ToName(label);

    public string Label { get; private set; } = label;

    public override DnsName Name => _name;

    public IReadOnlyList<IPAddress>? FixedAddresses { get; } = fixedAddresses;

    /// <summary>Services whose SRV points here; a registration's own host goes away with its last service.</summary>
    public int Users { get; set; }

    public override void AddUniqueRecords(MdnsInterface nic, List<DnsResourceRecord> records)
    {
        if (FixedAddresses is { } fixedList)
        {
            foreach (var address in fixedList)
            {
                records.Add(AddressRecord(address));
            }

            return;
        }

        foreach (var address in nic.IPv4)
        {
            records.Add(AddressRecord(address));
        }

        foreach (var address in nic.IPv6)
        {
            records.Add(AddressRecord(address));
        }
    }

    protected override void OnRename()
    {
        Label = HostLabel.Next(Label);
        _name = HostLabel.ToName(Label);
    }

    /// <summary>An address record of <paramref name="name"/> with TTL 0 and no cache-flush: "this one is gone" (RFC 6762 §10.1).</summary>
    public static DnsResourceRecord Goodbye(DnsName name, IPAddress address) => AddressRecord(name, address, 0, cacheFlush: false);

    private DnsResourceRecord AddressRecord(IPAddress address) => AddressRecord(Name, address, Ttl, cacheFlush: true);

    private static DnsResourceRecord AddressRecord(DnsName name, IPAddress address, uint ttl, bool cacheFlush) => new(
        name,
        ttl,
        address.AddressFamily == AddressFamily.InterNetwork ? new ARecordData(address) : new AaaaRecordData(address),
        cacheFlush: cacheFlush);
}
