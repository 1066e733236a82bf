using Koi.Dns.Api;
using Koi.Dns.Resolving;
using Koi.Dns.Settings;
using Koi.Dns.Zone;

namespace Koi.Dns.Hosting;

/// <summary>Renders <c>GET /v1/dns/status</c>: the settings, what the current run actually bound, the zone and counters.</summary>
internal static class DnsStatusBuilder
{
    public static DnsStatusView Build(
        DnsSettings settings, DnsServerRun? run, ZoneSnapshot zone, DnsCounters counters, bool mdnsSource, bool advertised, string? error)
    {
        var counts = zone.NameCounts;
        var limiter = run?.Resolver.Handler.Policy.Limiter;
        IReadOnlyList<string> listen;
        IReadOnlyList<string> upstreams;
        bool fromSystem;
        if (run is not null)
        {
            listen = DnsRunSupervisor.Describe(run.UdpEndpoints);
            upstreams = DnsRunSupervisor.Format(run.Plan.Upstreams);
            fromSystem = run.Plan.UpstreamsFromSystem;
        }
        else
        {
            listen = settings.Listen;
            upstreams = settings.Upstreams;
            fromSystem = settings.Upstreams.Count == 0;
        }

        return new DnsStatusView(
            Serving: run is not null,
            Zone: zone.ZoneText,
            Port: settings.Port,
            Listen: listen,
            Upstreams: upstreams,
            UpstreamSource: fromSystem ? "system" : "configured",
            ServiceAliases: settings.ServiceAliases,
            AllowPublicClients: settings.AllowPublicClients,
            RateLimit: new RateLimitView(settings.RateLimitQps, settings.RateLimitBurst, settings.RateLimitSlip, limiter?.TrackedClients ?? 0),
            Names: new NameCountsView(
                counts.GetValueOrDefault(ZoneSource.Static),
                counts.GetValueOrDefault(ZoneSource.Certmesh),
                counts.GetValueOrDefault(ZoneSource.Mdns),
                counts.GetValueOrDefault(ZoneSource.Static) + counts.GetValueOrDefault(ZoneSource.Certmesh) + counts.GetValueOrDefault(ZoneSource.Mdns)),
            Shadowed: zone.Shadowed,
            Counters: new CountersView(counters.Answered, counters.Forwarded, counters.Refused, counters.RateLimited, counters.Slipped, counters.Malformed, counters.UpstreamFailures),
            Serial: zone.Serial,
            MdnsSource: mdnsSource,
            Advertised: advertised,
            Error: error);
    }
}
