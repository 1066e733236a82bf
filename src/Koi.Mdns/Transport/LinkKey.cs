using System.Net;
using System.Net.Sockets;

namespace Koi.Mdns.Transport;

/// <summary>
/// What a link's socket depends on: the interface, the family and, for IPv4, the address that picks the outgoing
/// interface (IP_MULTICAST_IF). While the key stays the same the socket is kept; when it changes the socket is reopened.
/// </summary>
internal readonly record struct LinkKey(int InterfaceIndex, AddressFamily Family, IPAddress? MulticastSource)
{
    public static LinkKey For(MdnsInterface nic, AddressFamily family) =>
        new(nic.Index, family, family == AddressFamily.InterNetwork ? nic.IPv4[0] : null);
}
