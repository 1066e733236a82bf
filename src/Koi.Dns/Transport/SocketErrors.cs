using System.Net.Sockets;

namespace Koi.Dns.Transport;

/// <summary>The one place that decides whether a socket error ends a receive loop.</summary>
internal static class SocketErrors
{
    /// <summary>
    /// Errors about one datagram or one peer, not the socket: an ICMP "port unreachable" for an earlier reply
    /// (ConnectionReset/ConnectionRefused on UDP), an oversized datagram (MessageSize), a transient lack of buffers or an
    /// interrupted call. The loop goes on; anything else means the socket is unusable.
    /// </summary>
    public static bool IsTransient(SocketError error) => error is
        SocketError.ConnectionReset or
        SocketError.ConnectionRefused or
        SocketError.MessageSize or
        SocketError.NoBufferSpaceAvailable or
        SocketError.Interrupted or
        SocketError.HostUnreachable or
        SocketError.NetworkUnreachable or
        SocketError.TryAgain or
        SocketError.WouldBlock;
}
