using System.Net;
using System.Net.Sockets;
using Koi.Core.Status;

namespace Koi.Mdns.Transport;

/// <summary>The socket of one link: bound to *:5353 with address reuse, joined to the group on its interface only.</summary>
internal sealed class LinkSocket : IDisposable
{
    private long _sendErrors;
    private bool _closing;

    private LinkSocket(MdnsLink link, MdnsInterface nic, Socket socket, IPEndPoint group, ComponentHealth health)
    {
        Link = link;
        Interface = nic;
        Socket = socket;
        Group = group;
        Health = health;
    }

    public MdnsLink Link { get; }

    public MdnsInterface Interface { get; }

    public Socket Socket { get; }

    public IPEndPoint Group { get; }

    public ComponentHealth Health { get; }

    public long SendErrors => Interlocked.Read(ref _sendErrors);

    public Task Loop { get; set; } = Task.CompletedTask;

    public LinkKey Key => LinkKey.For(Interface, Link.Family);

    /// <summary>True once the transport closed this socket on purpose, so its loop ending is no failure.</summary>
    public bool IsClosing => Volatile.Read(ref _closing);

    public static LinkSocket Open(MdnsInterface nic, AddressFamily family, ComponentHealth health)
    {
        var v6 = family == AddressFamily.InterNetworkV6;
        var socket = new Socket(family, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            // Reuse lets avahi or another koi on this host bind 5353 too; each gets its own copy of multicast.
            socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            if (v6)
            {
                socket.DualMode = false;
                socket.Bind(new IPEndPoint(IPAddress.IPv6Any, MdnsWellKnown.Port));
                socket.SetSocketOption(SocketOptionLevel.IPv6, SocketOptionName.AddMembership, new IPv6MulticastOption(MdnsWellKnown.GroupV6, nic.Index));
                socket.SetSocketOption(SocketOptionLevel.IPv6, SocketOptionName.MulticastInterface, nic.Index);
                socket.SetSocketOption(SocketOptionLevel.IPv6, SocketOptionName.MulticastTimeToLive, 255);
                socket.SetSocketOption(SocketOptionLevel.IPv6, SocketOptionName.MulticastLoopback, true);
                socket.SetSocketOption(SocketOptionLevel.IPv6, SocketOptionName.PacketInformation, true);
                socket.Ttl = 255;
            }
            else
            {
                socket.Bind(new IPEndPoint(IPAddress.Any, MdnsWellKnown.Port));
                socket.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.AddMembership, new MulticastOption(MdnsWellKnown.GroupV4, nic.Index));
                // The interface's own address picks the outgoing interface on every platform; an index does not.
                socket.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.MulticastInterface, BitConverter.ToInt32(nic.IPv4[0].GetAddressBytes(), 0));
                socket.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.MulticastTimeToLive, 255);
                // Loop stays on so other mDNS software on this host hears us; the engine drops its own echoes by content.
                socket.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.MulticastLoopback, true);
                socket.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.PacketInformation, true);
                socket.Ttl = 255;
            }
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        var group = v6
            ? new IPEndPoint(new IPAddress(MdnsWellKnown.GroupV6.GetAddressBytes(), nic.Index), MdnsWellKnown.Port)
            : new IPEndPoint(MdnsWellKnown.GroupV4, MdnsWellKnown.Port);
        return new LinkSocket(new MdnsLink(nic.Index, family), nic, socket, group, health);
    }

    /// <summary>Sends without blocking; a datagram that cannot leave is counted and reported by the caller.</summary>
    public bool TrySend(ReadOnlySpan<byte> packet, IPEndPoint destination, out SocketException? error)
    {
        try
        {
            Socket.SendTo(packet, SocketFlags.None, destination);
            error = null;
            return true;
        }
        catch (SocketException ex)
        {
            Interlocked.Increment(ref _sendErrors);
            error = ex;
            return false;
        }
        catch (ObjectDisposedException)
        {
            error = null;
            return false;
        }
    }

    /// <summary>Closes the socket, marking it closed on purpose first so its receive loop reports stopped, not failed.</summary>
    public void Close()
    {
        Volatile.Write(ref _closing, true);
        Socket.Dispose();
    }

    public void Dispose() => Close();
}
