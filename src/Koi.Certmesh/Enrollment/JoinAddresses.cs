using System.Net;
using System.Net.Sockets;
using Koi.Core.Net;

namespace Koi.Certmesh.Enrollment;

/// <summary>
/// Which addresses a joiner's certificate may carry. The source address of the request is proven by the TCP
/// handshake; the addresses the joiner claims are not, so each must be a private LAN address, inside the subnet scope
/// when one is set, and not already certified to another member. Private is <see cref="IpRanges.IsPrivate(IPAddress)"/>:
/// RFC 1918, 100.64.0.0/10 and fc00::/7, without loopback and link-local, which never identify a machine to another one
/// (the primary's own SANs leave them out for the same reason).
/// </summary>
internal static class JoinAddresses
{
    public static IPAddress Normalize(IPAddress address) => IpRanges.Normalize(address);

    /// <summary>Null when the request's source may join under <paramref name="subnetScope"/>; otherwise why not.</summary>
    /// <remarks>A loopback source is this machine itself (the daemon treats it as local everywhere) and is never certified.</remarks>
    public static string? SourceProblem(IPAddress source, IPNetwork? subnetScope)
    {
        source = Normalize(source);
        if (subnetScope is not { } scope || IpRanges.IsLoopback(source) || scope.Contains(source))
        {
            return null;
        }

        return $"this machine connects from {source}, outside the mesh's subnet scope {scope}";
    }

    /// <summary>The addresses to certify, and those left out with the reason.</summary>
    public static (List<IPAddress> Certified, List<(IPAddress Address, string Reason)> LeftOut) Authorize(
        IPAddress source, IReadOnlyList<IPAddress> claimed, IPNetwork? subnetScope, IReadOnlySet<IPAddress> heldByOthers)
    {
        var certified = new List<IPAddress>();
        var leftOut = new List<(IPAddress, string)>();
        source = Normalize(source);
        if (IpRanges.IsPrivate(source) && (subnetScope is not { } s || s.Contains(source)))
        {
            certified.Add(source);
        }

        foreach (var raw in claimed)
        {
            var address = Normalize(raw);
            if (certified.Contains(address) || leftOut.Exists(l => l.Item1.Equals(address)))
            {
                continue;
            }

            var reason = !IpRanges.IsPrivate(address) ? "not_private"
                : subnetScope is { } scope && !scope.Contains(address) ? "outside_subnet"
                : heldByOthers.Contains(address) ? "held_by_member"
                : null;
            if (reason is null)
            {
                certified.Add(address);
            }
            else
            {
                leftOut.Add((address, reason));
            }
        }

        // IPv4 first, as LanAddresses orders the primary's own; otherwise in the order given (OrderBy is stable).
        return ([.. certified.OrderBy(a => a.AddressFamily)], leftOut);
    }

    /// <summary>Parses the claimed addresses; null and why when one is not an IP address or there are too many.</summary>
    public static List<IPAddress>? Parse(IReadOnlyList<string>? texts, int max, out string? problem)
    {
        problem = null;
        var list = new List<IPAddress>();
        if (texts is null)
        {
            return list;
        }

        if (texts.Count > max)
        {
            problem = $"addresses lists more than {max} entries";
            return null;
        }

        foreach (var text in texts)
        {
            // Scope ids (fe80::1%eth0) name an interface of the joiner, nothing a certificate can carry.
            // IPAddress.TryParse takes "10.1" as 10.0.0.1; a claimed IPv4 address must be written out in full.
            if (string.IsNullOrEmpty(text) || text.Contains('%', StringComparison.Ordinal) || !IPAddress.TryParse(text, out var address)
                || address.AddressFamily is not (AddressFamily.InterNetwork or AddressFamily.InterNetworkV6)
                || (address.AddressFamily == AddressFamily.InterNetwork && text.Count(c => c == '.') != 3))
            {
                problem = "addresses must be IP addresses";
                return null;
            }

            list.Add(Normalize(address));
        }

        return list;
    }
}
