using System.Net.Sockets;

namespace Koi.Mdns.Transport;

/// <summary>One interface and one address family: the unit mDNS sends, receives and rate-limits on.</summary>
internal readonly record struct MdnsLink(int InterfaceIndex, AddressFamily Family)
{
    public bool IsIPv6 => Family == AddressFamily.InterNetworkV6;
}
