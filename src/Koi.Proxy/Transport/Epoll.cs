using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Koi.Proxy.Transport;

/// <summary>
/// The three epoll calls the proxy's <see cref="SocketLoop"/> needs. <c>struct epoll_event</c> is packed on x86-64
/// (12 bytes, data at offset 4) and naturally aligned elsewhere (16 bytes, data at offset 8), so events are read and
/// written at those offsets rather than through a C# struct.
/// </summary>
internal static unsafe partial class Epoll
{
    public const uint Readable = 0x001;
    public const uint Writable = 0x004;
    public const uint Error = 0x008;
    public const uint HangUp = 0x010;
    public const uint PeerClosedWrite = 0x2000;
    public const int EIntr = 4;

    private const uint EdgeTriggered = 1u << 31;
    private const uint Exclusive = 1u << 28;
    private const int CtlAdd = 1;
    private const int CtlDel = 2;
    private const int CloseOnExec = 0x80000;

    public static readonly int EventSize = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 12 : 16;

    private static readonly int DataOffset = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 4 : 8;

    public static bool Supported => OperatingSystem.IsLinux();

    /// <returns>The epoll descriptor, or -1 (errno in <see cref="Marshal.GetLastPInvokeError"/>).</returns>
    public static int Create() => EpollCreate1(CloseOnExec);

    /// <summary>Watches <paramref name="fd"/> for both directions, edge-triggered: one event per change, none per byte.</summary>
    /// <returns>0, or the errno.</returns>
    public static int Add(int epfd, int fd, ulong data)
    {
        var ev = stackalloc byte[16];
        Unsafe.WriteUnaligned(ev, Readable | Writable | PeerClosedWrite | EdgeTriggered);
        Unsafe.WriteUnaligned(ev + DataOffset, data);
        return EpollCtl(epfd, CtlAdd, fd, ev) == 0 ? 0 : Marshal.GetLastPInvokeError();
    }

    /// <summary>
    /// Watches a listening socket shared by several loops, edge-triggered, with EPOLLEXCLUSIVE (epoll_ctl(2)): a new
    /// client wakes one loop waiting in epoll rather than all of them, and a busy loop's turn passes to an idle one.
    /// </summary>
    /// <returns>0, or the errno.</returns>
    public static int AddListener(int epfd, int fd, ulong data)
    {
        var ev = stackalloc byte[16];
        Unsafe.WriteUnaligned(ev, Readable | EdgeTriggered | Exclusive);
        Unsafe.WriteUnaligned(ev + DataOffset, data);
        return EpollCtl(epfd, CtlAdd, fd, ev) == 0 ? 0 : Marshal.GetLastPInvokeError();
    }

    public static void Remove(int epfd, int fd) => EpollCtl(epfd, CtlDel, fd, null);

    /// <returns>How many events were written to <paramref name="events"/>, or -1 (errno in <see cref="Marshal.GetLastPInvokeError"/>).</returns>
    public static int Wait(int epfd, byte* events, int max, int timeoutMs) => EpollWait(epfd, events, max, timeoutMs);

    public static uint EventsAt(byte* events, int index) => Unsafe.ReadUnaligned<uint>(events + (index * EventSize));

    public static ulong DataAt(byte* events, int index) => Unsafe.ReadUnaligned<ulong>(events + (index * EventSize) + DataOffset);

    public static void Close(int fd) => CloseFd(fd);

    [LibraryImport("libc", EntryPoint = "epoll_create1", SetLastError = true)]
    private static partial int EpollCreate1(int flags);

    [LibraryImport("libc", EntryPoint = "epoll_ctl", SetLastError = true)]
    private static partial int EpollCtl(int epfd, int op, int fd, byte* ev);

    [LibraryImport("libc", EntryPoint = "epoll_wait", SetLastError = true)]
    private static partial int EpollWait(int epfd, byte* events, int maxEvents, int timeout);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int CloseFd(int fd);
}
