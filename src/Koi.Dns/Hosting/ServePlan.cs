using System.Net;
using Koi.Core.Errors;
using Koi.Dns.Forwarding;
using Koi.Dns.Settings;
using Koi.Dns.Transport;
using Koi.Dns.Zone;

namespace Koi.Dns.Hosting;

/// <summary>Settings turned into endpoints: where to listen, where to forward. Invalid settings are a 400 here.</summary>
internal sealed record ServePlan(
    IReadOnlyList<IPEndPoint> Listen,
    IReadOnlyList<IPEndPoint> Upstreams,
    bool UpstreamsFromSystem)
{
    public static ServePlan From(DnsSettings settings, DnsCapabilityOptions options)
    {
        if (ZoneNames.HostName(settings.Zone) is null)
        {
            throw Invalid($"zone '{settings.Zone}' is not a valid domain name");
        }

        if (settings.Port is < 1 or > ushort.MaxValue)
        {
            throw Invalid($"port {settings.Port} is outside 1-65535");
        }

        if (settings.RateLimitQps < 1 || settings.RateLimitBurst < 1)
        {
            throw Invalid("the rate limit needs at least 1 query per second and a burst of at least 1");
        }

        if (settings.RateLimitSlip is < 0 or > DnsSettings.MaxRateLimitSlip)
        {
            throw Invalid($"the rate limit slip is 0 (off) or 1-{DnsSettings.MaxRateLimitSlip}: every Nth query over the rate gets a truncated reply");
        }

        var listen = new List<IPEndPoint>();
        var addresses = settings.Listen.Count == 0 ? options.DefaultListen() : ParseListen(settings.Listen);
        foreach (var address in addresses)
        {
            var endpoint = new IPEndPoint(address, settings.Port);
            if (!listen.Contains(endpoint))
            {
                listen.Add(endpoint);
            }
        }

        var upstreams = new List<IPEndPoint>();
        foreach (var text in settings.Upstreams)
        {
            if (!UpstreamList.TryParse(text, out var upstream))
            {
                throw Invalid($"upstream '{text}' is not IP, IP:PORT or [IPv6]:PORT");
            }

            if (UpstreamList.IsOwn(upstream, listen))
            {
                throw Invalid($"upstream {text} is koi's own listener; forwarding there would loop");
            }

            upstreams.Add(upstream);
        }

        var fromSystem = upstreams.Count == 0;
        return new ServePlan(listen, fromSystem ? UpstreamList.FromResolvConf(options.ResolvConfPath, listen) : upstreams, fromSystem);
    }

    private static List<IPAddress> ParseListen(IReadOnlyList<string> texts)
    {
        var result = new List<IPAddress>();
        foreach (var text in texts)
        {
            if (!IPAddress.TryParse(text, out var address))
            {
                throw Invalid($"listen address '{text}' is not an IP address");
            }

            result.Add(address);
        }

        return result;
    }

    private static KoiException Invalid(string message) => new(KoiErrorCode.InvalidRequest, message);
}
