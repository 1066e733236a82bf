using Koi.Core.Discovery;

namespace Koi.Cli.Commands.Mdns;

/// <summary>A discovered service as the CLI prints it; the same shape whether the daemon or a local engine found it.</summary>
internal sealed record MdnsServiceInfo(
    string Name,
    string Type,
    string FullName,
    string? Host,
    int Port,
    IReadOnlyList<string> Addresses,
    IReadOnlyDictionary<string, string> Txt,
    bool Resolved,
    bool Stale)
{
    public static MdnsServiceInfo Of(DiscoveredService service)
    {
        var addresses = new string[service.Addresses.Count];
        for (var i = 0; i < addresses.Length; i++)
        {
            addresses[i] = service.Addresses[i].ToString();
        }

        return new MdnsServiceInfo(
            service.Name, service.Type, service.FullName, service.Host, service.Port, addresses, service.Txt, service.IsResolved, service.IsStale);
    }
}

/// <summary>One line of <c>koi mdns discover</c>: what happened to which service.</summary>
internal sealed record MdnsServiceEvent(string Event, MdnsServiceInfo Service);
