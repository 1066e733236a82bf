using Koi.Core.Storage;

namespace Koi.Daemon;

/// <summary>
/// Keeps a second daemon off the same data dir: state files have one writer. The OS drops the lock with the
/// process, so a crash never leaves the data dir locked.
/// </summary>
internal sealed class DataDirLock : IDisposable
{
    private readonly FileStream _stream;

    private DataDirLock(FileStream stream) => _stream = stream;

    public static DataDirLock Acquire(string dataDir)
    {
        var path = Path.Combine(dataDir, "daemon.lock");
        try
        {
            var options = new FileStreamOptions
            {
                Mode = FileMode.OpenOrCreate,
                Access = FileAccess.ReadWrite,
                Share = FileShare.None,
            };
            if (!OperatingSystem.IsWindows())
            {
                options.UnixCreateMode = AtomicFile.SecretMode;
            }

            return new DataDirLock(new FileStream(path, options));
        }
        catch (IOException ex)
        {
            throw new InvalidOperationException($"another koi daemon is already using {dataDir}", ex);
        }
    }

    public void Dispose() => _stream.Dispose();
}
