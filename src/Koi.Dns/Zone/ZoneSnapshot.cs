using System.Collections.Frozen;
using Koi.Dns.Protocol;

namespace Koi.Dns.Zone;

/// <summary>
/// The whole zone at one moment, immutable: queries read it without locks, and a rebuild replaces it in one reference
/// swap (<see cref="ZoneHolder"/>). Besides the zone itself it holds the few names outside it that sources own (a
/// certmesh scope domain), which are answered but not authoritatively denied.
/// </summary>
internal sealed class ZoneSnapshot
{
    public required DnsName Zone { get; init; }

    public required string ZoneText { get; init; }

    public required uint Serial { get; init; }

    /// <summary>The apex SOA; its TTL and minimum are those of negative answers.</summary>
    public required DnsResourceRecord Soa { get; init; }

    /// <summary>Built with <see cref="DnsNameComparer.IgnoreCase"/>, so names can be looked up straight from packets.</summary>
    public required FrozenDictionary<DnsName, ZoneNode> Nodes
    {
        get;
        init
        {
            field = value;
            _byWire = value.GetAlternateLookup<ReadOnlySpan<byte>>();
        }
    }

    public IReadOnlyList<ZoneEntry> Entries { get; init; } = [];

    public IReadOnlyList<ShadowedName> Shadowed { get; init; } = [];

    /// <summary>SAN feedback: per member host name (lower case), the other names pointing at the member.</summary>
    public FrozenDictionary<string, IReadOnlyList<string>> MemberAliases { get; init; } =
        FrozenDictionary<string, IReadOnlyList<string>>.Empty;

    /// <summary>Number of names with records, per source.</summary>
    public FrozenDictionary<ZoneSource, int> NameCounts { get; init; } = FrozenDictionary<ZoneSource, int>.Empty;

    /// <summary>Addresses a source offered that were public and so left out.</summary>
    public int PublicAddressesDropped { get; init; }

    private FrozenDictionary<DnsName, ZoneNode>.AlternateLookup<ReadOnlySpan<byte>> _byWire;

    public ZoneNode? Find(DnsName name) => Nodes.GetValueOrDefault(name);

    /// <summary>The node of a name given in uncompressed wire form, read in place from a query.</summary>
    public ZoneNode? Find(ReadOnlySpan<byte> wire) => _byWire.TryGetValue(wire, out var node) ? node : null;

    public bool IsInZone(DnsName name) => name.IsSubdomainOf(Zone);

    public bool IsInZone(ReadOnlySpan<byte> wire) => DnsWireNames.IsAtOrBelow(wire, Zone);

    public static ZoneSnapshot Empty(string zone) => ZoneBuilder.Build(new ZoneInputs { Zone = zone });
}
