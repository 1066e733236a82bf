using System.Collections.Frozen;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Koi.Core.Discovery;
using Koi.Core.Naming;
using Koi.Core.Net;
using Koi.Dns.Protocol;
using Koi.Dns.Protocol.Records;
using Koi.Dns.Safety;

namespace Koi.Dns.Zone;

/// <summary>
/// Turns the sources into a <see cref="ZoneSnapshot"/> (seed 001 §5.2, §5.4): static entries, then certmesh members,
/// then the mDNS registry. A name belongs to the highest-priority source that generates it; lower sources' records
/// for it are left out, and a static entry that hides a generated name is reported as shadowing it. Public addresses
/// never enter the zone. Runs off the query path, so clarity wins over speed here.
/// </summary>
internal static class ZoneBuilder
{
    public static ZoneSnapshot Build(ZoneInputs inputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        var context = new BuildContext(inputs.Zone);
        AddStatic(context, inputs);
        AddMembers(context, inputs);
        AddMdns(context, inputs);
        return Freeze(context, inputs);
    }

    private static void AddStatic(BuildContext context, ZoneInputs inputs)
    {
        foreach (var entry in inputs.Static)
        {
            if (ZoneNames.HostName(entry.Name) is { } name && IPAddress.TryParse(entry.Address, out var address))
            {
                if (context.Claim(name, ZoneSource.Static, ZoneDraftKind.Host) is { } draft)
                {
                    context.AddAddress(draft, address);
                }
            }
        }
    }

    private static void AddMembers(BuildContext context, ZoneInputs inputs)
    {
        var scope = ZoneNames.HostName(inputs.ScopeDomain);
        foreach (var member in inputs.Members)
        {
            var host = ZoneNames.HostLabel(member.Hostname);
            if (!member.IsActive || host is null)
            {
                continue;
            }

            var names = new List<string> { $"{host}.{context.Zone}" };
            if (scope is not null)
            {
                names.Add($"{host}.{scope}");
            }

            foreach (var san in member.Sans)
            {
                // Wildcards and names outside koi's zones stay on the certificate but are not koi's to answer.
                if (ZoneNames.HostName(san) is { } name &&
                    (IsUnder(name, context.Zone) || (scope is not null && IsUnder(name, scope))))
                {
                    names.Add(name);
                }
            }

            foreach (var name in names)
            {
                if (context.Claim(name, ZoneSource.Certmesh, ZoneDraftKind.Host) is { } draft)
                {
                    foreach (var address in member.Addresses)
                    {
                        context.AddAddress(draft, address);
                    }
                }
            }
        }
    }

    private static void AddMdns(BuildContext context, ZoneInputs inputs)
    {
        var services = new List<DiscoveredService>();
        foreach (var service in inputs.Services)
        {
            if (service is { IsResolved: true, IsStale: false } && ZoneNames.HostLabelOfMdnsHost(service.Host) is not null)
            {
                services.Add(service);
            }
        }

        // Host names first: a machine called "grafana" keeps its name over a service alias of the same spelling.
        foreach (var service in services)
        {
            var host = ZoneNames.HostLabelOfMdnsHost(service.Host)!;
            if (context.Claim($"{host}.{context.Zone}", ZoneSource.Mdns, ZoneDraftKind.Host) is { } draft)
            {
                foreach (var address in service.Addresses)
                {
                    context.AddAddress(draft, address);
                }
            }
        }

        foreach (var service in services)
        {
            if (ZoneNames.SplitServiceType(service.Type) is not var (label, protocol))
            {
                continue;
            }

            var host = ZoneNames.HostLabelOfMdnsHost(service.Host)!;
            var hostName = $"{host}.{context.Zone}";
            if (service.Port is > 0 and <= ushort.MaxValue &&
                context.Claim($"_{label}.{protocol}.{context.Zone}", ZoneSource.Mdns, ZoneDraftKind.ServiceType) is { } srv)
            {
                var record = new SrvRecordData(0, 0, (ushort)service.Port, DnsName.Parse(hostName));
                if (!srv.Srv.Contains(record))
                {
                    srv.Srv.Add(record);
                }
            }

            if (!inputs.ServiceAliases || protocol != "_tcp")
            {
                continue;
            }

            if (context.Claim($"{label}.{context.Zone}", ZoneSource.Mdns, ZoneDraftKind.ServiceAlias) is { } alias)
            {
                alias.Rotate = true;
                foreach (var address in service.Addresses)
                {
                    context.AddAddress(alias, address);
                }

                alias.Txt.Add(Txt(service.Txt));
            }

            var instanceLabel = ZoneNames.HostLabel($"{label}-{host}");
            if (instanceLabel is not null &&
                context.Claim($"{instanceLabel}.{context.Zone}", ZoneSource.Mdns, ZoneDraftKind.InstanceAlias) is { } instance)
            {
                foreach (var address in service.Addresses)
                {
                    context.AddAddress(instance, address);
                }

                if (instance.Txt.Count == 0)
                {
                    instance.Txt.Add(Txt(service.Txt));
                }
            }
        }
    }

    private static ZoneSnapshot Freeze(BuildContext context, ZoneInputs inputs)
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
                    if (Normalize(candidate).Equals(address))
                    {
                        return true;
                    }
                }
            }
        }

        return false;
    }

    private static TxtRecordData Txt(IReadOnlyDictionary<string, string> properties)
    {
        var strings = new List<ReadOnlyMemory<byte>>();
        foreach (var (key, value) in properties)
        {
            var bytes = Encoding.UTF8.GetBytes(value.Length == 0 ? key : $"{key}={value}");
            if (bytes.Length <= TxtRecordData.MaxStringLength)
            {
                strings.Add(bytes);
            }
        }

        return new TxtRecordData(strings);
    }

    private static bool IsUnder(string name, string domain) =>
        name.EndsWith("." + domain, StringComparison.Ordinal);

    private static IPAddress Normalize(IPAddress address) =>
        address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : new IPAddress(address.GetAddressBytes());

    private sealed class BuildContext(string zone)
    {
        public string Zone { get; } = ZoneNames.HostName(zone) ?? throw new ArgumentException($"'{zone}' is not a valid zone name", nameof(zone));

        public Dictionary<string, ZoneDraft> Drafts { get; } = new(StringComparer.Ordinal);

        public List<ShadowedName> Shadowed { get; } = [];

        public int PublicDropped { get; set; }

        /// <summary>The draft to add to, or null when a higher source (or another kind of name) owns the name.</summary>
        public ZoneDraft? Claim(string name, ZoneSource source, ZoneDraftKind kind)
        {
            // Callers build names from validated labels; only the total length can still be too much.
            if (name.Length > ZoneNames.MaxNameLength)
            {
                return null;
            }

            if (!Drafts.TryGetValue(name, out var draft))
            {
                draft = new ZoneDraft(name, source, kind);
                Drafts[name] = draft;
                return draft;
            }

            if (draft.Source == source)
            {
                return draft.Kind == kind ? draft : null;
            }

            if (draft.Source == ZoneSource.Static && !Shadowed.Exists(s => s.Name == name && s.Hidden == source))
            {
                Shadowed.Add(new ShadowedName(name, source));
            }

            return null;
        }

        public void AddAddress(ZoneDraft draft, IPAddress address)
        {
            var normal = Normalize(address);
            if (IpRanges.IsLocalScope(normal))
            {
                draft.AddAddress(normal);
            }
            else
            {
                PublicDropped++;
            }
        }
    }
}
