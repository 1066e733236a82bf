using System.Runtime.InteropServices;

namespace Koi.Core.Paths;

/// <summary>
/// Whether a directory or file in it may be trusted with koi's secrets: owned by the user running koi (or root) and
/// writable by nobody else. Another local user who can write there could swap <c>daemon.json</c> for one that
/// sends the CLI's token and passphrases to a program of theirs (docs/security.md, "The data directory").
/// </summary>
public static partial class DataDirSafety
{
    private const UnixFileMode WritableByOthers = UnixFileMode.GroupWrite | UnixFileMode.OtherWrite;

    /// <summary>Why <paramref name="path"/> must not be trusted, or null when it may be (or cannot be judged here).</summary>
    public static string? Problem(string path)
    {
        if (OperatingSystem.IsWindows() || !Path.Exists(path))
        {
            return null;
        }

        var mode = File.GetUnixFileMode(path);
        if ((mode & WritableByOthers) != 0)
        {
            return $"{path} is writable by {((mode & UnixFileMode.OtherWrite) != 0 ? "every user" : "its group")} " +
                $"(mode {Convert.ToString((int)mode, 8)}); run: chmod go-w {path}";
        }

        if (OwnerOf(path) is { } owner && owner != 0 && owner != EffectiveUserId())
        {
            return $"{path} belongs to user id {owner}, not to this user (id {EffectiveUserId()}); " +
                "another user could replace what koi keeps there";
        }

        return null;
    }

    /// <summary>The owner's user id, on Linux (statx has one layout on every architecture); null elsewhere.</summary>
    private static uint? OwnerOf(string path)
    {
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }

        // struct statx of <linux/stat.h>: stx_uid is the u32 at offset 20 of a 256-byte buffer.
        var buffer = new byte[256];
        const int AtFdCwd = -100;
        const uint StatxUid = 0x8;
        if (Statx(AtFdCwd, path, 0, StatxUid, buffer) != 0)
        {
            throw new IOException($"cannot read the owner of {path} (errno {Marshal.GetLastPInvokeError()})");
        }

        return BitConverter.ToUInt32(buffer, 20);
    }

    private static uint EffectiveUserId() => GetEffectiveUserId();

    [LibraryImport("libc", EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Statx(int directoryFd, string path, int flags, uint mask, [Out] byte[] buffer);

    [LibraryImport("libc", EntryPoint = "geteuid")]
    private static partial uint GetEffectiveUserId();
}
