using System.Collections.Frozen;
using System.Net;
using System.Net.Sockets;
using Koi.Core.Naming;
using Koi.Core.Net;
using Koi.Dns.Protocol;
using Koi.Dns.Protocol.Records;

namespace Koi.Dns.Zone;

/// <summary>
/// Turns the drafts the sources claimed into the immutable <see cref="ZoneSnapshot"/> the query path reads: the apex
/// SOA/NS and <c>ns</c> host, records with their source's TTL, empty non-terminals, the entry list and member aliases.
/// </summary>
internal static class ZoneFreezer
{
    public static ZoneSnapshot Freeze(ZoneBuildContext context, ZoneInputs inputs)
    {
        var zone = DnsName.Parse(context.Zone);
        var nsName = $"ns.{context.Zone}";
        if (!context.Drafts.ContainsKey(nsName))
        {
            var ns = new ZoneDraft(nsName, ZoneSource.Server, ZoneDraftKind.Host);
            foreach (var address in inputs.ServerAddresses)
            {
                if (!IpRanges.IsLoopback(address))
                {
                    context.AddAddress(ns, address);
                }
            }

            if (ns.Addresses.Count > 0)
            {
                context.Drafts[nsName] = ns;
            }
        }

        var soa = new DnsResourceRecord(
            zone,
            ZoneTtl.Negative,
            new SoaRecordData(DnsName.Parse(nsName), DnsName.Parse($"hostmaster.{context.Zone}"), inputs.Serial, 3600, 600, 86400, ZoneTtl.Negative));
        var nodes = new Dictionary<DnsName, ZoneNode>();
        var entries = new List<ZoneEntry>();
        var counts = new Dictionary<ZoneSource, int>();
        foreach (var draft in context.Drafts.Values)
        {
            var node = ToNode(draft);
            if (node.IsEmpty)
            {
                continue;
            }

            nodes[node.Name] = node;
            counts[draft.Source] = counts.GetValueOrDefault(draft.Source) + 1;
            AddEntries(entries, node);
        }

        nodes[zone] = new ZoneNode(zone, ZoneSource.Server)
        {
            Soa = [soa],
            Ns = [new DnsResourceRecord(zone, ZoneTtl.Server, new NsRecordData(DnsName.Parse(nsName)))],
        };
        AddEmptyNonTerminals(nodes, zone);
        entries.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name) is var byName and not 0
            ? byName
            : string.CompareOrdinal(a.Type, b.Type));
        return new ZoneSnapshot
        {
            Zone = zone,
            ZoneText = context.Zone,
            Serial = inputs.Serial,
            Soa = soa,
            Nodes = nodes.ToFrozenDictionary(DnsNameComparer.IgnoreCase),
            Entries = entries,
            Shadowed = context.Shadowed,
            MemberAliases = MemberAliases(nodes, inputs.Members),
            NameCounts = counts.ToFrozenDictionary(),
            PublicAddressesDropped = context.PublicDropped,
        };
    }

    private static ZoneNode ToNode(ZoneDraft draft)
    {
        var name = DnsName.Parse(draft.Name);
        var ttl = draft.Source switch
        {
            ZoneSource.Static => ZoneTtl.Static,
            ZoneSource.Certmesh => ZoneTtl.Certmesh,
            ZoneSource.Mdns => ZoneTtl.Mdns,
            _ => ZoneTtl.Server,
        };
        var a = new List<DnsResourceRecord>();
        var aaaa = new List<DnsResourceRecord>();
        foreach (var address in draft.Addresses)
        {
            if (address.AddressFamily == AddressFamily.InterNetwork)
            {
                a.Add(new DnsResourceRecord(name, ttl, new ARecordData(address)));
            }
            else
            {
                aaaa.Add(new DnsResourceRecord(name, ttl, new AaaaRecordData(address)));
            }
        }

        var srv = new List<DnsResourceRecord>();
        foreach (var data in draft.Srv)
        {
            srv.Add(new DnsResourceRecord(name, ttl, data));
        }

        var txt = new List<DnsResourceRecord>();
        if (draft.Txt.Count == 1 && (a.Count > 0 || aaaa.Count > 0))
        {
            // A service alias backed by several instances has no single TXT to give; one instance's TXT is its own.
            txt.Add(new DnsResourceRecord(name, ttl, draft.Txt[0]));
        }

        return new ZoneNode(name, draft.Source)
        {
            A = [.. a],
            Aaaa = [.. aaaa],
            Srv = [.. srv],
            Txt = [.. txt],
            RotateAddresses = draft.Rotate,
        };
    }

    /// <summary>Names between the apex and a name with records exist (RFC 8020): they answer NODATA, not NXDOMAIN.</summary>
    private static void AddEmptyNonTerminals(Dictionary<DnsName, ZoneNode> nodes, DnsName zone)
    {
        foreach (var name in nodes.Keys.ToList())
        {
            if (!name.IsSubdomainOf(zone))
            {
                continue;
            }

            for (var parent = name.Parent; parent != zone && !parent.IsRoot; parent = parent.Parent)
            {
                nodes.TryAdd(parent, new ZoneNode(parent, ZoneSource.Server));
            }
        }
    }

    private static void AddEntries(List<ZoneEntry> entries, ZoneNode node)
    {
        var name = node.Name.ToString();
        foreach (var records in (DnsResourceRecord[][])[node.A, node.Aaaa, node.Srv, node.Txt])
        {
            foreach (var record in records)
            {
                entries.Add(new ZoneEntry(name, record.Type.ToString(), record.Data.ToString() ?? string.Empty, node.Source, record.Ttl));
            }
        }
    }

    private static FrozenDictionary<string, IReadOnlyList<string>> MemberAliases(
        Dictionary<DnsName, ZoneNode> nodes,
        IReadOnlyList<MeshMember> members)
    {
        var aliases = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        foreach (var member in members)
        {
            if (!member.IsActive || ZoneNames.HostLabel(member.Hostname) is not { } host || member.Addresses.Count == 0)
            {
                continue;
            }

            var sans = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            foreach (var san in member.Sans)
            {
                sans.Add(san.TrimEnd('.'));
            }

            var names = new List<string>();
            foreach (var node in nodes.Values)
            {
                var name = node.Name.ToString();
                if (node.Source is ZoneSource.Static or ZoneSource.Mdns && !sans.Contains(name) && PointsAt(node, member.Addresses))
                {
                    names.Add(name);
                }
            }

            names.Sort(StringComparer.Ordinal);
            aliases[host] = names;
        }

        return aliases.ToFrozenDictionary(StringComparer.Ordinal);
    }

    private static bool PointsAt(ZoneNode node, IReadOnlyList<IPAddress> addresses)
    {
        foreach (var records in (DnsResourceRecord[][])[node.A, node.Aaaa])
        {
            foreach (var record in records)
            {
                var address = record.Data is ARecordData a ? a.Address : ((AaaaRecordData)record.Data).Address;
                foreach (var candidate in addresses)
                {
                    if (ZoneBuildContext.Normalize(candidate).Equals(address))
                    {
                        return true;
                    }
                }
            }
        }

        return false;
    }
}
