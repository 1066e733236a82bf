using Koi.Dns.Protocol;

namespace Koi.Dns.Resolving;

/// <summary>
/// One zone node's <see cref="WireAnswer"/>s: per question type and per EDNS presence (the OPT record is part of the
/// bytes), filled as queries ask. Lives on the node, so a zone rebuild (a new snapshot of new nodes) starts afresh.
/// Lock-free: two threads building the same answer at once build the same bytes, and either may be kept.
/// </summary>
internal sealed class WireAnswerCache
{
    /// <summary>A, AAAA, SRV, TXT, NS, SOA and ANY each have their own answer; every other type gets the same NODATA.</summary>
    private const int TypeSlots = 8;

    private readonly WireAnswer?[] _answers = new WireAnswer?[TypeSlots * 2];

    public WireAnswer? Get(DnsType type, bool edns) => Volatile.Read(ref _answers[Slot(type, edns)]);

    public void Set(DnsType type, bool edns, WireAnswer answer) => Volatile.Write(ref _answers[Slot(type, edns)], answer);

    // The types ZoneNode.Records holds records of, and ANY; for any other type a node has no records (NODATA), and the
    // answer differs only in the question, which is the query's own.
    private static int Slot(DnsType type, bool edns) => (2 * type switch
    {
        DnsType.A => 0,
        DnsType.AAAA => 1,
        DnsType.SRV => 2,
        DnsType.TXT => 3,
        DnsType.NS => 4,
        DnsType.SOA => 5,
        DnsType.ANY => 6,
        _ => 7,
    }) + (edns ? 1 : 0);
}
