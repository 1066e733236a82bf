using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Koi.Proxy.Transport;

/// <summary>
/// The socket calls the proxy's loop sockets make on their descriptors, without .NET's <see cref="Socket"/>. Two
/// reasons (docs/performance.md, "Proxy"): <see cref="Socket"/> reports everyday outcomes by throwing (a non-blocking
/// connect "in progress", a half-close to a peer that has reset), and wrapping a descriptor in a <see cref="Socket"/>
/// costs ten syscalls (fstat, four getsockopt, fcntl, getsockname, getpeername, two fcntl more to set non-blocking
/// again) per client and per backend connection. Every call takes the descriptor as a <see cref="SafeHandle"/> and
/// holds a reference while it runs, so a closed descriptor's number, reused by the kernel at once, is never touched
/// (<see cref="ObjectDisposedException"/> instead). Errors come back as errno values, not exceptions. Linux only, as
/// the <see cref="SocketLoop"/> that uses them.
/// </summary>
internal static unsafe partial class NativeSocket
{
    /// <summary>The size of the largest address the proxy handles (struct sockaddr_in6).</summary>
    public const int AddressSize = 28;

    public const int EAgain = 11;
    public const int EIntr = 4;
    public const int EConnReset = 104;

    private const ushort AfInet = 2;
    private const ushort AfInet6 = 10;
    private const int EInProgress = 115;
    private const int ENotConn = 107;
    private const int ShutWrite = 1;
    private const int SockStream = 1;
    private const int SockNonBlock = 0x800;
    private const int SockCloExec = 0x80000;
    private const int IpProtoTcp = 6;
    private const int TcpNoDelay = 1;
    private const int SolSocket = 1;
    private const int SoError = 4;
    private const nuint FionRead = 0x541B;

    // No SIGPIPE for a send to a peer that has gone: the send reports EPIPE instead.
    private const int MsgNoSignal = 0x4000;

    /// <summary>A new TCP socket for <paramref name="family"/>, non-blocking and close-on-exec from the start (one syscall).</summary>
    public static SocketDescriptor Open(AddressFamily family)
    {
        var fd = SocketCall(family == AddressFamily.InterNetworkV6 ? AfInet6 : AfInet, SockStream | SockNonBlock | SockCloExec, IpProtoTcp);
        if (fd < 0)
        {
            throw new SocketException((int)ToSocketError(Marshal.GetLastPInvokeError()));
        }

        return new SocketDescriptor(fd);
    }

    /// <summary>Nagle off: the proxy writes whole TLS records and replies, and waiting for an ACK only adds latency.</summary>
    public static void SetNoDelay(SafeHandle socket)
    {
        var added = false;
        socket.DangerousAddRef(ref added);
        try
        {
            var on = 1;
            SetSockOpt((int)socket.DangerousGetHandle(), IpProtoTcp, TcpNoDelay, &on, sizeof(int));
        }
        finally
        {
            socket.DangerousRelease();
        }
    }

    /// <summary>recv(2): the bytes read (0: end of stream), or -1 with <paramref name="errno"/> set.</summary>
    public static int Receive(SafeHandle socket, Span<byte> buffer, out int errno)
    {
        var added = false;
        socket.DangerousAddRef(ref added);
        try
        {
            fixed (byte* bytes = buffer)
            {
                while (true)
                {
                    var received = (int)Recv((int)socket.DangerousGetHandle(), bytes, (nuint)buffer.Length, 0);
                    errno = received < 0 ? Marshal.GetLastPInvokeError() : 0;
                    if (errno != EIntr)
                    {
                        return received;
                    }
                }
            }
        }
        finally
        {
            socket.DangerousRelease();
        }
    }

    /// <summary>send(2): how many bytes the kernel took, or -1 with <paramref name="errno"/> set.</summary>
    public static int Send(SafeHandle socket, ReadOnlySpan<byte> buffer, out int errno)
    {
        var added = false;
        socket.DangerousAddRef(ref added);
        try
        {
            fixed (byte* bytes = buffer)
            {
                while (true)
                {
                    var sent = (int)SendCall((int)socket.DangerousGetHandle(), bytes, (nuint)buffer.Length, MsgNoSignal);
                    errno = sent < 0 ? Marshal.GetLastPInvokeError() : 0;
                    if (errno != EIntr)
                    {
                        return sent;
                    }
                }
            }
        }
        finally
        {
            socket.DangerousRelease();
        }
    }

    /// <summary>
    /// <see cref="SocketError.Success"/> when connected at once, <see cref="SocketError.InProgress"/> when under way
    /// (epoll reports the socket writable once it is made or has failed), or why it failed.
    /// </summary>
    public static SocketError StartConnect(SafeHandle socket, IPEndPoint endpoint)
    {
        var address = stackalloc byte[AddressSize];
        new Span<byte>(address, AddressSize).Clear();
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
            length = AddressSize;
            endpoint.Address.TryWriteBytes(new Span<byte>(address + 8, 16), out _);
            *(uint*)(address + 24) = (uint)endpoint.Address.ScopeId;
        }

        BinaryPrimitives.WriteUInt16BigEndian(new Span<byte>(address + 2, 2), (ushort)endpoint.Port);
        var added = false;
        socket.DangerousAddRef(ref added);
        try
        {
            if (Connect((int)socket.DangerousGetHandle(), address, length) == 0)
            {
                return SocketError.Success;
            }

            var errno = Marshal.GetLastPInvokeError();

            // connect(2), "Errors": an interrupted connect goes on asynchronously, like one in progress.
            return errno is EInProgress or EIntr ? SocketError.InProgress : ToSocketError(errno);
        }
        finally
        {
            socket.DangerousRelease();
        }
    }

    /// <summary>How a non-blocking connect ended (SO_ERROR), once epoll reported the socket writable.</summary>
    public static SocketError ConnectResult(SafeHandle socket)
    {
        var added = false;
        socket.DangerousAddRef(ref added);
        try
        {
            var error = 0;
            var length = sizeof(int);
            if (GetSockOpt((int)socket.DangerousGetHandle(), SolSocket, SoError, &error, &length) != 0)
            {
                error = Marshal.GetLastPInvokeError();
            }

            return error == 0 ? SocketError.Success : ToSocketError(error);
        }
        finally
        {
            socket.DangerousRelease();
        }
    }

    /// <summary>
    /// Half-closes <paramref name="socket"/> (a FIN to the peer); false when the peer is gone already (it reset: there
    /// is nobody to send a FIN to, and its reader learns of the reset). <see cref="ObjectDisposedException"/> when closed.
    /// </summary>
    public static bool ShutdownSend(SafeHandle socket)
    {
        var added = false;
        socket.DangerousAddRef(ref added);
        try
        {
            if (Shutdown((int)socket.DangerousGetHandle(), ShutWrite) == 0)
            {
                return true;
            }

            var errno = Marshal.GetLastPInvokeError();
            return errno == ENotConn ? false : throw new IOException($"shutdown failed (errno {errno})");
        }
        finally
        {
            socket.DangerousRelease();
        }
    }

    /// <summary>How many bytes are waiting to be read (FIONREAD), 0 on an error (the next read reports it).</summary>
    public static int Available(SafeHandle socket)
    {
        var added = false;
        socket.DangerousAddRef(ref added);
        try
        {
            var count = 0;
            return Ioctl((int)socket.DangerousGetHandle(), FionRead, &count) == 0 ? count : 0;
        }
        finally
        {
            socket.DangerousRelease();
        }
    }

    /// <summary>The address in a struct sockaddr_in or sockaddr_in6 that accept4 wrote, or null for another family.</summary>
    public static IPEndPoint? ReadAddress(ReadOnlySpan<byte> address)
    {
        if (address.Length < 16)
        {
            return null;
        }

        var family = MemoryMarshal.Read<ushort>(address);
        var port = BinaryPrimitives.ReadUInt16BigEndian(address[2..]);
        return family switch
        {
            AfInet => new IPEndPoint(new IPAddress(address.Slice(4, 4)), port),
            AfInet6 when address.Length >= AddressSize => new IPEndPoint(new IPAddress(address.Slice(8, 16), MemoryMarshal.Read<uint>(address[24..])), port),
            _ => null,
        };
    }

    /// <summary>The <see cref="SocketError"/> for an errno of the socket calls above (connect(2), recv(2), send(2), socket(2)).</summary>
    public static SocketError ToSocketError(int errno) => errno switch
    {
        EAgain => SocketError.WouldBlock,
        EConnReset => SocketError.ConnectionReset,
        111 => SocketError.ConnectionRefused,    // ECONNREFUSED
        101 => SocketError.NetworkUnreachable,   // ENETUNREACH
        113 => SocketError.HostUnreachable,      // EHOSTUNREACH
        99 => SocketError.AddressNotAvailable,   // EADDRNOTAVAIL (no local port left)
        110 => SocketError.TimedOut,             // ETIMEDOUT
        13 or 1 => SocketError.AccessDenied,     // EACCES, EPERM (a firewall rule)
        32 => SocketError.Shutdown,              // EPIPE: sent after the connection was shut down
        103 => SocketError.ConnectionAborted,    // ECONNABORTED
        ENotConn => SocketError.NotConnected,
        24 or 23 => SocketError.TooManyOpenSockets, // EMFILE, ENFILE
        105 or 12 => SocketError.NoBufferSpaceAvailable, // ENOBUFS, ENOMEM
        _ => SocketError.SocketError,
    };

    [LibraryImport("libc", EntryPoint = "socket", SetLastError = true)]
    private static partial int SocketCall(int domain, int type, int protocol);

    [LibraryImport("libc", EntryPoint = "setsockopt", SetLastError = true)]
    private static partial int SetSockOpt(int fd, int level, int name, void* value, int length);

    [LibraryImport("libc", EntryPoint = "getsockopt", SetLastError = true)]
    private static partial int GetSockOpt(int fd, int level, int name, void* value, int* length);

    [LibraryImport("libc", EntryPoint = "recv", SetLastError = true)]
    private static partial nint Recv(int fd, byte* buffer, nuint length, int flags);

    [LibraryImport("libc", EntryPoint = "send", SetLastError = true)]
    private static partial nint SendCall(int fd, byte* buffer, nuint length, int flags);

    [LibraryImport("libc", EntryPoint = "ioctl", SetLastError = true)]
    private static partial int Ioctl(int fd, nuint request, int* value);

    [LibraryImport("libc", EntryPoint = "connect", SetLastError = true)]
    private static partial int Connect(int fd, byte* address, int length);

    [LibraryImport("libc", EntryPoint = "shutdown", SetLastError = true)]
    private static partial int Shutdown(int fd, int how);
}
