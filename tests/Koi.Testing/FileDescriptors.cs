using System.Runtime.InteropServices;

namespace Koi.Testing;

/// <summary>Breaking a descriptor a component owns, the way a kernel-level fault would, without closing it twice.</summary>
public static partial class FileDescriptors
{
    /// <summary>
    /// Makes descriptor <paramref name="fd"/> refer to /dev/null: calls meant for what it was (say epoll_wait) fail
    /// with EINVAL from then on, and the owner's own close still closes exactly this descriptor.
    /// </summary>
    public static void ReplaceWithDevNull(int fd)
    {
        using var devNull = File.OpenHandle("/dev/null", FileMode.Open, FileAccess.Read);
        if (Dup2((int)devNull.DangerousGetHandle(), fd) < 0)
        {
            throw new IOException($"dup2 onto {fd} failed with errno {Marshal.GetLastPInvokeError()}");
        }
    }

    [LibraryImport("libc", EntryPoint = "dup2", SetLastError = true)]
    private static partial int Dup2(int oldFd, int newFd);
}
