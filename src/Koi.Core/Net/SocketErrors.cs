using System.Net.Sockets;

namespace Koi.Core.Net;

/// <summary>The product's one place that decides whether a socket error ends a loop or only the current datagram or peer.</summary>
public static class SocketErrors
{
    /// <summary>
    /// A receive or send error about one datagram or one peer, not the socket: an ICMP error for an earlier send
    /// (ConnectionReset/ConnectionRefused on UDP, host or network unreachable), a datagram larger than the buffer
    /// (MessageSize), a momentary lack of buffers, an interrupted call or a would-block. The loop goes on; any other
    /// error means the socket is unusable and the loop reports itself failed.
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

    /// <summary>
    /// An accept error about the queued connection, not the listener: the client reset or gave up while queued, or the
    /// call was interrupted. Running out of descriptors is not here — the caller backs off rather than spinning.
    /// </summary>
    public static bool IsTransientAccept(SocketError error) => error is
        SocketError.ConnectionAborted or
        SocketError.ConnectionReset or
        SocketError.Interrupted or
        SocketError.TryAgain or
        SocketError.WouldBlock;
}
