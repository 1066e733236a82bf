using System.Runtime.InteropServices;

namespace Koi.Proxy.Certificates;

/// <summary>
/// The inotify(7) calls <see cref="DirectoryWatchHub"/> makes, plus the eventfd(2) and poll(2) that let its reader
/// thread sleep until there is either an event or a request to stop. Errors come back as errno values. Linux only.
/// </summary>
internal static unsafe partial class Inotify
{
    public const int EAgain = 11;
    public const int EIntr = 4;
    public const int ENoEnt = 2;
    public const int ENotDir = 20;
    public const int EMFile = 24;
    public const int ENoSpc = 28;

    public const uint InIgnored = 0x8000;
    public const uint InQueueOverflow = 0x4000;

    /// <summary>The size of <c>struct inotify_event</c> without its name: wd, mask, cookie, len.</summary>
    public const int EventHeaderSize = 16;

    private const int InNonBlock = 0x800;
    private const int InCloExec = 0x80000;
    private const uint InOnlyDirectory = 0x01000000;
    private const uint InMaskAdd = 0x20000000;
    private const short PollIn = 1;

    /// <summary>A new inotify instance, non-blocking and close-on-exec, or -1 with <paramref name="errno"/> set.</summary>
    public static int Open(out int errno)
    {
        var fd = InotifyInit1(InNonBlock | InCloExec);
        errno = fd < 0 ? Marshal.GetLastPInvokeError() : 0;
        return fd;
    }

    /// <summary>
    /// The watch descriptor of the directory at <paramref name="path"/>, its events widened by <paramref name="mask"/>
    /// (IN_MASK_ADD: another subscriber of the same directory keeps the events it asked for), or -1 with
    /// <paramref name="errno"/> set. The kernel answers the same descriptor for the same inode.
    /// </summary>
    public static int AddWatch(int fd, string path, uint mask, out int errno)
    {
        var wd = InotifyAddWatch(fd, path, mask | InMaskAdd | InOnlyDirectory);
        errno = wd < 0 ? Marshal.GetLastPInvokeError() : 0;
        return wd;
    }

    /// <summary>Removes a watch; one already gone (its directory deleted: the kernel removed it) is not an error here.</summary>
    public static void RemoveWatch(int fd, int wd) => _ = InotifyRmWatch(fd, wd);

    /// <summary>read(2) of whole events into <paramref name="buffer"/>: the bytes read, or -1 with <paramref name="errno"/> set.</summary>
    public static int Read(int fd, Span<byte> buffer, out int errno)
    {
        fixed (byte* bytes = buffer)
        {
            var read = (int)ReadCall(fd, bytes, (nuint)buffer.Length);
            errno = read < 0 ? Marshal.GetLastPInvokeError() : 0;
            return read;
        }
    }

    /// <summary>An eventfd that a single write makes readable: how another thread wakes the reader blocked in <see cref="Wait"/>.</summary>
    public static int OpenWakeup(out int errno)
    {
        var fd = EventFd(0, InNonBlock | InCloExec);
        errno = fd < 0 ? Marshal.GetLastPInvokeError() : 0;
        return fd;
    }

    public static void Wake(int wakeup)
    {
        var one = 1UL;
        _ = WriteCall(wakeup, (byte*)&one, sizeof(ulong));
    }

    /// <summary>Blocks until <paramref name="fd"/> has events (true) or <paramref name="wakeup"/> was written (false).</summary>
    public static bool Wait(int fd, int wakeup)
    {
        var fds = stackalloc PollFd[2];
        fds[0] = new PollFd { Fd = fd, Events = PollIn };
        fds[1] = new PollFd { Fd = wakeup, Events = PollIn };
        while (true)
        {
            var ready = Poll(fds, 2, -1);
            if (ready < 0 && Marshal.GetLastPInvokeError() == EIntr)
            {
                continue;
            }

            // Anything but a plain "events to read" — the wakeup, or an error on either descriptor — ends the reader.
            return ready > 0 && fds[1].Revents == 0 && fds[0].Revents == PollIn;
        }
    }

    public static void Close(int fd) => _ = CloseCall(fd);

    public static string Describe(int errno) => errno switch
    {
        EMFile => "this user's inotify instances are used up (fs.inotify.max_user_instances)",
        ENoSpc => "this user's inotify watches are used up (fs.inotify.max_user_watches)",
        _ => Marshal.GetPInvokeErrorMessage(errno),
    };

    [StructLayout(LayoutKind.Sequential)]
    private struct PollFd
    {
        public int Fd;
        public short Events;
        public short Revents;
    }

    [LibraryImport("libc", EntryPoint = "inotify_init1", SetLastError = true)]
    private static partial int InotifyInit1(int flags);

    [LibraryImport("libc", EntryPoint = "inotify_add_watch", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int InotifyAddWatch(int fd, string path, uint mask);

    [LibraryImport("libc", EntryPoint = "inotify_rm_watch", SetLastError = true)]
    private static partial int InotifyRmWatch(int fd, int wd);

    [LibraryImport("libc", EntryPoint = "eventfd", SetLastError = true)]
    private static partial int EventFd(uint initial, int flags);

    [LibraryImport("libc", EntryPoint = "poll", SetLastError = true)]
    private static partial int Poll(PollFd* fds, nuint count, int timeout);

    [LibraryImport("libc", EntryPoint = "read", SetLastError = true)]
    private static partial nint ReadCall(int fd, byte* buffer, nuint count);

    [LibraryImport("libc", EntryPoint = "write", SetLastError = true)]
    private static partial nint WriteCall(int fd, byte* buffer, nuint count);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int CloseCall(int fd);
}
