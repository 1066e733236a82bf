using System.Net;
using System.Net.Sockets;

namespace Koi.Proxy.Listening;

/// <summary>Opens the listening socket of an entry and words bind errors for status and the API.</summary>
internal static class ListenSocket
{
    private const int Backlog = 512;

    // Linux values; SO_REUSEADDR lets a restarted daemon bind while old connections sit in TIME_WAIT.
    private const int SolSocket = 1;
    private const int SoReuseAddr = 2;

    public static Socket Bind(IPEndPoint endpoint)
    {
        try
        {
            return BindExactly(endpoint);
        }
        catch (SocketException ex) when (ex.SocketErrorCode == SocketError.AddressFamilyNotSupported && endpoint.Address.Equals(IPAddress.IPv6Any))
        {
            // A machine without IPv6: every IPv4 address instead.
            return BindExactly(new IPEndPoint(IPAddress.Any, endpoint.Port));
        }
    }

    /// <summary>The bind error as a sentence: what failed, why, and what to do.</summary>
    public static string Describe(SocketException ex, string listen) => ex.SocketErrorCode switch
    {
        SocketError.AddressAlreadyInUse => $"cannot listen on {listen}: address already in use (another program holds the port)",
        SocketError.AccessDenied => $"cannot listen on {listen}: permission denied — ports below 1024 need the daemon to run as root or with CAP_NET_BIND_SERVICE: `sudo koi install` runs it as a service with that capability (or grant it: sudo setcap cap_net_bind_service=+ep $(command -v koi)), or listen on a port from 1024 up",
        SocketError.AddressNotAvailable => $"cannot listen on {listen}: not an address of this machine",
        _ => $"cannot listen on {listen}: {ex.Message}",
    };

    private static Socket BindExactly(IPEndPoint endpoint)
    {
        var socket = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            if (endpoint.AddressFamily == AddressFamily.InterNetworkV6)
            {
                // [::] serves IPv4 clients too; a single IPv6 address serves only itself.
                socket.DualMode = endpoint.Address.Equals(IPAddress.IPv6Any);
            }

            // Not SocketOptionName.ReuseAddress: on Linux .NET maps it to SO_REUSEPORT as well, which would let a
            // second program bind the same port and silently take half the connections.
            if (OperatingSystem.IsLinux())
            {
                socket.SetRawSocketOption(SolSocket, SoReuseAddr, BitConverter.GetBytes(1));
            }

            socket.Bind(endpoint);
            socket.Listen(Backlog);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
