using System.Text;

namespace Koi.Core.Storage;

/// <summary>
/// Replaces a file's content so that a reader (or a crash) sees either the old content or the new, never a mix.
/// </summary>
public static class AtomicFile
{
    public const UnixFileMode PublicMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
    public const UnixFileMode SecretMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    public static void WriteAllText(string path, string content, UnixFileMode mode = PublicMode) =>
        WriteAllBytes(path, Encoding.UTF8.GetBytes(content), mode);

    public static void WriteAllBytes(string path, ReadOnlySpan<byte> content, UnixFileMode mode = PublicMode) =>
        WriteAllBytes(path, content, mode, beforeRename: null);

    /// <param name="beforeRename">Test seam: runs with the temp path once it is durable, just before the rename.</param>
    internal static void WriteAllBytes(string path, ReadOnlySpan<byte> content, UnixFileMode mode, Action<string>? beforeRename)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path))
            ?? throw new ArgumentException("path has no directory", nameof(path));
        var temp = Path.Combine(directory, $".{Path.GetFileName(path)}.{Guid.NewGuid():N}.tmp");
        try
        {
            Directory.CreateDirectory(directory);
            // The mode is set at creation so a secret is never readable by others, not even for a moment.
            var options = new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.Write,
                Share = FileShare.None,
                // Unbuffered: a full disk fails the write itself, not a second flush attempt on dispose.
                BufferSize = 0,
            };
            if (!OperatingSystem.IsWindows())
            {
                options.UnixCreateMode = mode;
            }

            using (var stream = new FileStream(temp, options))
            {
                stream.Write(content);
                stream.Flush(flushToDisk: true);
            }

            beforeRename?.Invoke(temp);
            File.Move(temp, path, overwrite: true);
            FlushDirectory(directory);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // The old file is untouched: only the temp file was written, and the rename never happened.
            TryDelete(temp);
            var thrown = StorageWrites.Failed(path, ex);
            if (ReferenceEquals(thrown, ex))
            {
                throw;
            }

            throw thrown;
        }
        catch
        {
            TryDelete(temp);
            throw;
        }

        StorageWrites.Succeeded(path);
    }

    /// <summary>Removes temp files a crash left between write and rename; the target itself is untouched.</summary>
    public static int CleanupStaleTempFiles(string directory)
    {
        if (!Directory.Exists(directory))
        {
            return 0;
        }

        var removed = 0;
        foreach (var stale in Directory.EnumerateFiles(directory, ".*.tmp"))
        {
            TryDelete(stale);
            removed++;
        }

        return removed;
    }

    // rename() is durable only once the directory entry itself reaches the disk.
    private static void FlushDirectory(string directory)
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        try
        {
            using var handle = File.OpenHandle(directory, FileMode.Open, FileAccess.Read);
            RandomAccess.FlushToDisk(handle);
        }
        catch (IOException)
        {
            // Some file systems refuse fsync on directories; the rename is still atomic there.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
