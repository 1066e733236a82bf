using Koi.Core.Discovery;

namespace Koi.Mdns.Api;

/// <summary>A discovered service as the API shows it (addresses as text); the CLI reads the same shape back.</summary>
public sealed record ServiceView(
    string Name,
    string Type,
    string FullName,
    string? Host,
    int Port,
    IReadOnlyList<string> Addresses,
    IReadOnlyDictionary<string, string> Txt,
    DateTimeOffset FirstSeen,
    DateTimeOffset LastSeen,
    bool Resolved,
    bool Stale)
{
    public static ServiceView Of(DiscoveredService service)
    {
        var addresses = new string[service.Addresses.Count];
        for (var i = 0; i < addresses.Length; i++)
        {
            addresses[i] = service.Addresses[i].ToString();
        }

        return new ServiceView(
            service.Name,
            service.Type,
            service.FullName,
            service.Host,
            service.Port,
            addresses,
            service.Txt,
            service.FirstSeen,
            service.LastSeen,
            service.IsResolved,
            service.IsStale);
    }
}
