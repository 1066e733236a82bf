using Koi.Dns.Protocol;
using Koi.Dns.Resolving;

namespace Koi.Dns.Zone;

/// <summary>
/// Everything the zone holds at one name, grouped by type so an answer is a few array copies. Immutable once built; a
/// node with no records is an empty non-terminal (e.g. <c>_tcp.lan</c>), which answers NODATA rather than NXDOMAIN.
/// </summary>
internal sealed class ZoneNode(DnsName name, ZoneSource source)
{
    private WireAnswerCache? _answers;

    public DnsName Name { get; } = name;

    public ZoneSource Source { get; } = source;

    public DnsResourceRecord[] A { get; init; } = [];

    public DnsResourceRecord[] Aaaa { get; init; } = [];

    public DnsResourceRecord[] Srv { get; init; } = [];

    public DnsResourceRecord[] Txt { get; init; } = [];

    public DnsResourceRecord[] Ns { get; init; } = [];

    public DnsResourceRecord[] Soa { get; init; } = [];

    /// <summary>Service aliases: several hosts behind one name, so answers rotate their order (round robin).</summary>
    public bool RotateAddresses { get; init; }

    /// <summary>This node's answers in wire form, made when first asked (<see cref="WireAnswerCache"/>).</summary>
    public WireAnswerCache Answers => LazyInitializer.EnsureInitialized(ref _answers, static () => new WireAnswerCache());

    public bool IsEmpty => A.Length + Aaaa.Length + Srv.Length + Txt.Length + Ns.Length + Soa.Length == 0;

    /// <summary>The records of one type; a type added here needs its own slot in <see cref="WireAnswerCache"/>.</summary>
    public DnsResourceRecord[] Records(DnsType type) => type switch
    {
        DnsType.A => A,
        DnsType.AAAA => Aaaa,
        DnsType.SRV => Srv,
        DnsType.TXT => Txt,
        DnsType.NS => Ns,
        DnsType.SOA => Soa,
        _ => [],
    };
}
