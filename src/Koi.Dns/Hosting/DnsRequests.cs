using System.Net;
using Koi.Core.Errors;
using Koi.Core.Net;
using Koi.Dns.Api;
using Koi.Dns.Settings;
using Koi.Dns.Zone;

namespace Koi.Dns.Hosting;

/// <summary>Turns API requests into checked names, addresses and settings; bad input throws a 400 and changes nothing.</summary>
internal static class DnsRequests
{
    public static string Qualify(string? name, string zone) =>
        ZoneNames.TryQualify(name, zone, out var full, out var error)
            ? full
            : throw new KoiException(KoiErrorCode.InvalidRequest, error);

    public static string StaticAddress(string? text)
    {
        if (!IPAddress.TryParse(text?.Trim(), out var address) || text.Contains('%', StringComparison.Ordinal))
        {
            throw new KoiException(KoiErrorCode.InvalidRequest, $"'{text}' is not an IPv4 or IPv6 address");
        }

        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        return IpRanges.IsLocalScope(address)
            ? address.ToString()
            : throw new KoiException(
                KoiErrorCode.InvalidRequest,
                $"{address} is a public address; names in the zone resolve only to private addresses " +
                "(10/8, 172.16/12, 192.168/16, 100.64/10, 127/8, 169.254/16, fc00::/7, fe80::/10, ::1)");
    }

    public static DnsSettings Merge(DnsSettings current, ServeRequest request)
    {
        var zone = request.Zone is null ? current.Zone : ZoneNames.HostName(request.Zone)
            ?? throw new KoiException(KoiErrorCode.InvalidRequest, $"zone '{request.Zone}' is not a valid domain name");
        return current with
        {
            Zone = zone,
            Port = request.Port ?? current.Port,
            Upstreams = request.Upstreams is null ? current.Upstreams : Without(request.Upstreams, "system"),
            Listen = request.Listen is null ? current.Listen : Without(request.Listen, "lan"),
            ServiceAliases = request.ServiceAliases ?? current.ServiceAliases,
            AllowPublicClients = request.AllowPublicClients ?? current.AllowPublicClients,
            RateLimitQps = request.RateLimitQps ?? current.RateLimitQps,
            RateLimitBurst = request.RateLimitBurst ?? current.RateLimitBurst,
            RateLimitSlip = request.RateLimitSlip ?? current.RateLimitSlip,
        };
    }

    private static List<string> Without(IReadOnlyList<string> values, string keyword)
    {
        var result = new List<string>();
        foreach (var value in values)
        {
            if (!string.Equals(value, keyword, StringComparison.OrdinalIgnoreCase))
            {
                result.Add(value.Trim());
            }
        }

        return result;
    }
}
