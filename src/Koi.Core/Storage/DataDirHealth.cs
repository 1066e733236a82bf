using Koi.Core.Status;

namespace Koi.Core.Storage;

/// <summary>
/// The <c>core/data_dir</c> status component: failed with the reason ("disk full: …", "read-only: …") after a state
/// write under the data dir fails for the directory's fault, running again after the next write that succeeds.
/// While failed it writes a small probe file every <see cref="ProbeInterval"/>, so recovery shows even when nothing
/// else writes; while running it does no I/O of its own (docs/data-layout.md, "Data-dir health").
/// </summary>
public sealed class DataDirHealth : IStorageWriteObserver, IDisposable
{
    public const string ProbeFileName = ".koi-write-probe";

    public static readonly TimeSpan ProbeInterval = TimeSpan.FromSeconds(30);

    private readonly string _root;
    private readonly ComponentHealth _health;
    private readonly ITimer _probe;
    private readonly IDisposable _subscription;
    private readonly Lock _gate = new();
    private bool _failed;

    public DataDirHealth(string dataDir, ComponentHealth health, TimeProvider time)
    {
        _root = Path.TrimEndingDirectorySeparator(Path.GetFullPath(dataDir)) + Path.DirectorySeparatorChar;
        _health = health;
        _probe = time.CreateTimer(_ => Probe(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        _subscription = StorageWrites.Observe(this);
        _health.Running(Idle);
    }

    private string Idle => $"writable: {_root}";

    public void OnWrite(string path, Exception? error)
    {
        if (!Path.GetFullPath(path).StartsWith(_root, StringComparison.Ordinal))
        {
            return;
        }

        lock (_gate)
        {
            if (error is null)
            {
                if (_failed)
                {
                    _failed = false;
                    _probe.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
                }

                _health.Running(Idle);
                return;
            }

            // Only the directory's faults: a bug elsewhere (a bad path, a rename race) is not a full disk.
            if (StorageFault.Reason(error) is not { } reason)
            {
                return;
            }

            _health.Failed(error is StorageWriteException ? error.Message : $"{reason}: {error.Message}");
            if (!_failed)
            {
                _failed = true;
                _probe.Change(ProbeInterval, ProbeInterval);
            }
        }
    }

    /// <summary>Tries one tiny write; its outcome reaches <see cref="OnWrite"/> like any other write.</summary>
    public void Probe()
    {
        var path = Path.Combine(_root, ProbeFileName);
        try
        {
            AtomicFile.WriteAllText(path, "ok\n");
            File.Delete(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Reported through StorageWrites already; the component keeps the reason.
        }
    }

    public void Dispose()
    {
        _subscription.Dispose();
        _probe.Dispose();
    }
}
