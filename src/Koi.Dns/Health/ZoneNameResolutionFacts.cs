using Koi.Core.Health;
using Koi.Dns.Hosting;
using Koi.Dns.Protocol;

namespace Koi.Dns.Health;

/// <summary>
/// For machine health: does <c>host.zone</c> resolve in koi's own zone right now. Read from the in-memory snapshot,
/// never by querying (health must not add load to the resolver it reports on).
/// </summary>
internal sealed class ZoneNameResolutionFacts(DnsService dns) : INameResolutionFacts
{
    public NameResolution? Check(string hostname)
    {
        if (!dns.Settings.Serving)
        {
            return null;
        }

        var zone = dns.Zone;
        var text = $"{hostname.ToLowerInvariant()}.{zone.ZoneText}";
        if (!DnsName.TryParse(text, out var name))
        {
            return new NameResolution([text], false, "not a valid DNS name");
        }

        var node = zone.Find(name);
        var resolves = node is not null && (node.A.Length > 0 || node.Aaaa.Length > 0);
        return new NameResolution([text], resolves, resolves ? null : $"{text} has no address in the zone");
    }
}
