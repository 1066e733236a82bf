using System.Net;
using System.Text;
using Koi.Core.Discovery;
using Koi.Dns.Protocol;
using Koi.Dns.Protocol.Records;

namespace Koi.Dns.Zone;

/// <summary>
/// Turns the sources into a <see cref="ZoneSnapshot"/> (docs/dns.md): static entries, then certmesh members,
/// then the mDNS registry. A name belongs to the highest-priority source that generates it; lower sources' records
/// for it are left out, and a static entry that hides a generated name is reported as shadowing it. Public addresses
/// never enter the zone. Runs off the query path, so clarity wins over speed here.
/// </summary>
internal static class ZoneBuilder
{
    public static ZoneSnapshot Build(ZoneInputs inputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        var context = new ZoneBuildContext(inputs.Zone);
        AddStatic(context, inputs);
        AddMembers(context, inputs);
        AddMdns(context, inputs);
        return ZoneFreezer.Freeze(context, inputs);
    }

    private static void AddStatic(ZoneBuildContext context, ZoneInputs inputs)
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

    private static void AddMembers(ZoneBuildContext context, ZoneInputs inputs)
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

    private static void AddMdns(ZoneBuildContext context, ZoneInputs inputs)
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
}
