using System.Net;

namespace Koi.Dns.Safety;

/// <summary>
/// Which addresses count as private (seed 001 §5.7): RFC 1918, 100.64.0.0/10 (CGNAT), 127.0.0.0/8, 169.254.0.0/16,
/// fc00::/7, fe80::/10 and ::1. A zone name never resolves outside them, and by default only clients inside them are
/// answered.
/// </summary>
internal static class AddressPolicy
{
    private static readonly UInt128 Loopback6 = 1;

    public static bool IsPrivate(IPAddress address) => IsPrivate(ClientAddress.From(address));

    public static bool IsPrivate(ClientAddress address)
    {
        if (address.IsIPv4)
        {
            var v4 = address.IPv4;
            return (v4 >> 24) == 10 ||
                   (v4 >> 20) == ((172u << 4) | 1) ||      // 172.16.0.0/12
                   (v4 >> 16) == ((192u << 8) | 168) ||    // 192.168.0.0/16
                   (v4 >> 22) == ((100u << 2) | 1) ||      // 100.64.0.0/10
                   (v4 >> 24) == 127 ||
                   (v4 >> 16) == ((169u << 8) | 254);      // 169.254.0.0/16
        }

        var high = (ulong)(address.Value >> 64);
        return (high >> 57) == (0xFC00UL >> 9) ||          // fc00::/7
               (high >> 54) == (0xFE80UL >> 6) ||          // fe80::/10
               address.Value == Loopback6;
    }
}
