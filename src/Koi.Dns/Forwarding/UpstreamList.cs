using System.Diagnostics.CodeAnalysis;
using System.Net;
using Koi.Core.Net;
using Koi.Dns.Transport;

namespace Koi.Dns.Forwarding;

/// <summary>
/// Where forwarded queries go: the configured upstreams, or else the system's resolvers from resolv.conf, never koi
/// itself (a resolver forwarding to itself would loop each query until it timed out).
/// </summary>
internal static class UpstreamList
{
    public const int DnsPort = 53;

    /// <summary>Parses <c>IP</c>, <c>IP:PORT</c> or <c>[IPv6]:PORT</c>.</summary>
    public static bool TryParse(string? text, [NotNullWhen(true)] out IPEndPoint? endpoint)
    {
        endpoint = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        text = text.Trim();
        if (IPAddress.TryParse(text, out var bare) && !text.StartsWith('['))
        {
            endpoint = new IPEndPoint(bare, DnsPort);
            return true;
        }

        if (IPEndPoint.TryParse(text, out var parsed) && parsed.Port is > 0 and <= ushort.MaxValue)
        {
            endpoint = new IPEndPoint(parsed.Address, parsed.Port == 0 ? DnsPort : parsed.Port);
            return true;
        }

        return false;
    }

    /// <summary>The <c>nameserver</c> lines of a resolv.conf, port 53, minus those that are koi's own listeners.</summary>
    public static IReadOnlyList<IPEndPoint> FromResolvConf(string path, IReadOnlyList<IPEndPoint> ownListeners)
    {
        var result = new List<IPEndPoint>();
        string[] lines;
        try
        {
            lines = File.ReadAllLines(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return result;
        }

        foreach (var line in lines)
        {
            var parts = line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length >= 2 && parts[0] == "nameserver" &&
                IPAddress.TryParse(parts[1].Split('%')[0], out var address))
            {
                var endpoint = new IPEndPoint(address, DnsPort);
                if (!IsOwn(endpoint, ownListeners) && !result.Contains(endpoint))
                {
                    result.Add(endpoint);
                }
            }
        }

        return result;
    }

    /// <summary>True when queries sent to <paramref name="upstream"/> would reach one of koi's own listeners.</summary>
    public static bool IsOwn(IPEndPoint upstream, IReadOnlyList<IPEndPoint> ownListeners)
    {
        foreach (var own in ownListeners)
        {
            if (own.Port != upstream.Port)
            {
                continue;
            }

            var wildcard = own.Address.Equals(IPAddress.Any) || own.Address.Equals(IPAddress.IPv6Any);
            if (own.Address.Equals(upstream.Address) ||
                (wildcard && own.AddressFamily == upstream.AddressFamily && (IpRanges.IsLoopback(upstream.Address) || LocalAddresses.IsLocal(upstream.Address))))
            {
                return true;
            }
        }

        return false;
    }

    public static string Format(IPEndPoint endpoint) => endpoint.Port == DnsPort
        ? endpoint.Address.ToString()
        : endpoint.ToString();
}
