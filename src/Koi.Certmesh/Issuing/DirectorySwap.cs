using System.Runtime.InteropServices;
using System.Text;

namespace Koi.Certmesh.Issuing;

/// <summary>
/// Puts a staged directory in place of another in one step where the system can: Linux's renameat2 with
/// RENAME_EXCHANGE swaps the two names atomically, so at every moment the path names either the whole old set or the
/// whole new one — never nothing. Elsewhere (or on a file system without the flag) it falls back to two renames,
/// which leave a moment with no directory.
/// </summary>
internal static class DirectorySwap
{
    private const int AtFdCwd = -100;
    private const uint RenameExchange = 2;

    /// <summary>
    /// Makes <paramref name="staged"/> the content of <paramref name="target"/>. The old content ends up at
    /// <paramref name="retired"/> (for the caller to delete); true when the swap was atomic.
    /// </summary>
    public static bool Replace(string staged, string target, string retired)
    {
        if (!Directory.Exists(target))
        {
            Directory.Move(staged, target);
            return true;
        }

        if (OperatingSystem.IsLinux() && Exchange(staged, target))
        {
            // The staged name now holds the old set; move it out of the way under the retired name.
            Directory.Move(staged, retired);
            return true;
        }

        Directory.Move(target, retired);
        Directory.Move(staged, target);
        return false;
    }

    private static bool Exchange(string a, string b)
    {
        try
        {
            return RenameAt2(AtFdCwd, NulTerminated(a), AtFdCwd, NulTerminated(b), RenameExchange) == 0;
        }
        catch (Exception ex) when (ex is EntryPointNotFoundException or DllNotFoundException)
        {
            // A C library without renameat2 (glibc before 2.28, musl before 1.2.?): the two-step fallback.
            return false;
        }
    }

    private static byte[] NulTerminated(string path)
    {
        var bytes = new byte[Encoding.UTF8.GetByteCount(path) + 1];
        Encoding.UTF8.GetBytes(path, bytes);
        return bytes;
    }

    [DllImport("libc", EntryPoint = "renameat2", SetLastError = true)]
    private static extern int RenameAt2(int oldDirectory, byte[] oldPath, int newDirectory, byte[] newPath, uint flags);
}
