using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Koi.Scenarios.Harness;

/// <summary>
/// Background processes outlive the scripts/lab call that started them. This process becomes their
/// subreaper so that, once the lab stops them, it can collect their exit status. Otherwise they would
/// stay behind as zombies wherever PID 1 does not reap (containers, this kind of VM).
/// </summary>
internal static partial class OrphanReaper
{
    private const int PrSetChildSubreaper = 36;
    private const int WaitNoHang = 1;
    private const int NoChildErrno = 10;

    public static void BecomeSubreaper()
    {
        if (prctl(PrSetChildSubreaper, 1, 0, 0, 0) != 0)
        {
            throw new LabException($"prctl(PR_SET_CHILD_SUBREAPER) failed: errno {Marshal.GetLastPInvokeError()}.");
        }
    }

    /// <summary>
    /// Collects exactly the given processes (never other children: those belong to System.Diagnostics.Process).
    /// Pids that are not our children, or already collected, are skipped.
    /// </summary>
    public static async Task ReapAsync(IEnumerable<int> pids, TimeSpan timeout)
    {
        var pending = new HashSet<int>(pids);
        var started = Stopwatch.GetTimestamp();
        while (pending.Count > 0 && Stopwatch.GetElapsedTime(started) < timeout)
        {
            pending.RemoveWhere(Collected);
            if (pending.Count > 0)
            {
                await Task.Delay(50);
            }
        }
    }

    private static bool Collected(int pid)
    {
        var result = waitpid(pid, out _, WaitNoHang);
        return result == pid || (result == -1 && Marshal.GetLastPInvokeError() == NoChildErrno);
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int prctl(int option, nuint arg2, nuint arg3, nuint arg4, nuint arg5);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int waitpid(int pid, out int status, int options);
}
