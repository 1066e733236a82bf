using System.Runtime.InteropServices;

namespace Koi.Proxy.Transport;

/// <summary>
/// A socket descriptor the proxy drives itself, without .NET's <see cref="System.Net.Sockets.Socket"/> (wrapping an
/// accepted descriptor in one costs ten syscalls per connection: docs/performance.md, "Proxy"). The kernel hands a
/// closed descriptor's number to the next socket at once, so the number is only ever used through this handle: every
/// call holds a reference for its duration (<see cref="SafeHandle.DangerousAddRef"/>, which throws
/// <see cref="ObjectDisposedException"/> once disposed), and <c>close</c> runs exactly once, when the handle is
/// disposed and no call holds it any more. A late send can then never reach another client's connection.
/// </summary>
internal sealed partial class SocketDescriptor : SafeHandle
{
    public SocketDescriptor(int fd)
        : base(new IntPtr(-1), ownsHandle: true)
    {
        SetHandle(new IntPtr(fd));
    }

    public override bool IsInvalid => handle == new IntPtr(-1);

    protected override bool ReleaseHandle()
    {
        // close(2): the descriptor is gone even when close reports an error (EINTR included), so never retried. The
        // kernel also drops it from every epoll watch list then (no dup of it exists), so no EPOLL_CTL_DEL first.
        Close((int)handle);
        return true;
    }

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int fd);
}
