using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Koi.Proxy.Transport;

/// <summary>
/// The two socket calls the proxy makes on its loop sockets without .NET's <see cref="Socket"/>, because there they
/// report an everyday outcome by throwing: <see cref="Socket.Connect(EndPoint)"/> on a non-blocking socket throws
/// "in progress", and <see cref="Socket.Shutdown"/> throws when the peer has already reset. Both happen once per
/// client connection (a backend connect per client; clients such as wrk and openssl s_time reset as they close), and a
/// thrown and caught exception per connection was a measurable share of a handshake's CPU (docs/performance.md,
/// "Proxy"). Linux only, as the <see cref="SocketLoop"/> that uses them.
/// </summary>
internal static unsafe partial class NativeSocket
{
    private const ushort AfInet = 2;
    private const ushort AfInet6 = 10;
    private const int EInProgress = 115;
    private const int EIntr = 4;
    private const int ENotConn = 107;
    private const int ShutWrite = 1;

    /// <summary>
    /// <see cref="SocketError.Success"/> when connected at once, <see cref="SocketError.InProgress"/> when under way
    /// (epoll reports the socket writable once it is made or has failed), or why it failed.
    /// </summary>
    public static SocketError StartConnect(Socket socket, IPEndPoint endpoint)
    {
        var address = stackalloc byte[28];
        new Span<byte>(address, 28).Clear();
        int length;
        if (endpoint.AddressFamily == AddressFamily.InterNetwork)
        {
            // struct sockaddr_in: family (host order), port (network order), address, zero padding.
            *(ushort*)address = AfInet;
            length = 16;
            endpoint.Address.TryWriteBytes(new Span<byte>(address + 4, 4), out _);
        }
        else
        {
            // struct sockaddr_in6: family, port, flow info, address, scope id.
            *(ushort*)address = AfInet6;
            length = 28;
            endpoint.Address.TryWriteBytes(new Span<byte>(address + 8, 16), out _);
            *(uint*)(address + 24) = (uint)endpoint.Address.ScopeId;
        }

        BinaryPrimitives.WriteUInt16BigEndian(new Span<byte>(address + 2, 2), (ushort)endpoint.Port);
        var added = false;
        socket.SafeHandle.DangerousAddRef(ref added);
        try
        {
            if (Connect((int)socket.SafeHandle.DangerousGetHandle(), address, length) == 0)
            {
                return SocketError.Success;
            }

            return Map(Marshal.GetLastPInvokeError());
        }
        finally
        {
            socket.SafeHandle.DangerousRelease();
        }
    }

    /// <summary>
    /// Half-closes <paramref name="socket"/> (a FIN to the peer); false when the peer is gone already (it reset: there
    /// is nobody to send a FIN to, and its reader learns of the reset). <see cref="ObjectDisposedException"/> when closed.
    /// </summary>
    public static bool ShutdownSend(Socket socket)
    {
        var added = false;
        socket.SafeHandle.DangerousAddRef(ref added);
        try
        {
            if (Shutdown((int)socket.SafeHandle.DangerousGetHandle(), ShutWrite) == 0)
            {
                return true;
            }

            var errno = Marshal.GetLastPInvokeError();
            return errno == ENotConn ? false : throw new IOException($"shutdown failed (errno {errno})");
        }
        finally
        {
            socket.SafeHandle.DangerousRelease();
        }
    }

    // connect(2), "Errors". An interrupted connect goes on asynchronously, like one in progress.
    private static SocketError Map(int errno) => errno switch
    {
        EInProgress or EIntr => SocketError.InProgress,
        111 => SocketError.ConnectionRefused,    // ECONNREFUSED
        101 => SocketError.NetworkUnreachable,   // ENETUNREACH
        113 => SocketError.HostUnreachable,      // EHOSTUNREACH
        99 => SocketError.AddressNotAvailable,   // EADDRNOTAVAIL (no local port left)
        110 => SocketError.TimedOut,             // ETIMEDOUT
        13 or 1 => SocketError.AccessDenied,     // EACCES, EPERM (a firewall rule)
        _ => SocketError.SocketError,
    };

    [LibraryImport("libc", EntryPoint = "connect", SetLastError = true)]
    private static partial int Connect(int fd, byte* address, int length);

    [LibraryImport("libc", EntryPoint = "shutdown", SetLastError = true)]
    private static partial int Shutdown(int fd, int how);
}
