using System.Net;
using System.Net.Sockets;

namespace Koi.Certmesh.Enrollment;

/// <summary>
/// The unit a failure limit applies to: one IPv4 address, or one IPv6 /64 — a host picks any address inside its
/// /64 at will (SLAAC privacy addresses), so counting per address would give it 2^64 fresh starts.
/// </summary>
internal static class SourceKey
{
    public static string Of(IPAddress address)
    {
        address = JoinAddresses.Normalize(address);
        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return address.ToString();
        }

        var bytes = address.GetAddressBytes();
        Array.Clear(bytes, 8, 8);
        return new IPAddress(bytes) + "/64";
    }
}
