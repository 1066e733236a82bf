using Microsoft.Extensions.Logging;

namespace Koi.Proxy.Certificates;

/// <summary>
/// The certificate one entry presents, kept current without touching the disk on the handshake path: a
/// file-system watcher on the parent directory (certmesh replaces <c>certs/&lt;host&gt;/</c> by renaming a staged
/// directory over it) plus a periodic two-stat check. A change is loaded in the background and swapped in atomically;
/// handshakes already running keep the context they started with, established connections are not touched. If a
/// reload fails the previous certificate stays in use and the problem is reported.
/// </summary>
internal sealed partial class CertificateSource : IDisposable
{
    private static readonly TimeSpan s_settle = TimeSpan.FromMilliseconds(200);

    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Lock _checkGate = new();
    private readonly ITimer _periodic;
    private readonly ITimer _settle;
    private LoadedCertificate? _current;
    private (string Text, DateTimeOffset Since)? _problem;
    private FileSystemWatcher? _watcher;
    private bool _disposed;

    public CertificateSource(string directory, LoadedCertificate? initial, ProxyOptions options, TimeProvider time, ILogger logger)
    {
        Directory = directory;
        _current = initial;
        _time = time;
        _logger = logger;
        _settle = time.CreateTimer(_ => Guarded(() => Check()), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        _periodic = time.CreateTimer(_ => Guarded(Tick), null, options.CertificateRecheck, options.CertificateRecheck);
    }

    public string Directory { get; }

    /// <summary>What new handshakes present; null until the files could be loaded once.</summary>
    public LoadedCertificate? Current => Volatile.Read(ref _current);

    /// <summary>Why the files on disk are not (or no longer) what is served; null when they are.</summary>
    public (string Text, DateTimeOffset Since)? Problem
    {
        get
        {
            lock (_checkGate)
            {
                return _problem;
            }
        }
    }

    /// <summary>Raised after a certificate was loaded (the first one, or a replacement).</summary>
    public event Action<LoadedCertificate>? Loaded;

    public void Start()
    {
        Watch();
        Check();
    }

    /// <summary>Loads the files if they changed since the current certificate was loaded; true when it swapped one in.</summary>
    public bool Check()
    {
        LoadedCertificate? loaded = null;
        lock (_checkGate)
        {
            if (_disposed)
            {
                return false;
            }

            var stamp = FileStamp.Read(Directory);
            var current = _current;
            if (current is not null && stamp == current.Stamp)
            {
                ClearProblem();
                return false;
            }

            try
            {
                loaded = CertificateLoader.Load(Directory, _time.GetUtcNow());
            }
            catch (CertificateProblemException ex)
            {
                if (_problem?.Text != ex.Message)
                {
                    _problem = (ex.Message, _time.GetUtcNow());
                    LogCertificateProblem(_logger, Directory, ex.Message, current is null ? "nothing to serve until it is fixed" : $"still serving serial {current.Serial}");
                }

                return false;
            }

            if (current is not null && loaded.Serial == current.Serial && loaded.NotAfter == current.NotAfter)
            {
                // Rewritten with the same certificate (e.g. touched): keep the context, remember the new stamp.
                loaded = loaded with { Context = current.Context, LoadedAt = current.LoadedAt };
            }

            Volatile.Write(ref _current, loaded);
            ClearProblem();
            if (current is null || current.Serial != loaded.Serial)
            {
                LogCertificateLoaded(_logger, Directory, loaded.Serial, loaded.NotAfter);
            }
            else
            {
                loaded = null;
            }
        }

        if (loaded is not null)
        {
            Loaded?.Invoke(loaded);
        }

        return loaded is not null;
    }

    public void Dispose()
    {
        lock (_checkGate)
        {
            _disposed = true;
        }

        _periodic.Dispose();
        _settle.Dispose();
        _watcher?.Dispose();
    }

    /// <summary>
    /// Runs a timer's work: an exception thrown on a timer thread would end the whole daemon, so anything unexpected
    /// becomes this entry's problem (shown in status, logged) and the next tick tries again.
    /// </summary>
    private void Guarded(Action work)
    {
        try
        {
            work();
        }
        catch (Exception ex)
        {
            var text = $"checking the certificate files failed unexpectedly: {ex.GetType().Name}: {ex.Message}";
            lock (_checkGate)
            {
                if (_disposed || _problem?.Text == text)
                {
                    return;
                }

                _problem = (text, _time.GetUtcNow());
            }

            LogCertificateProblem(_logger, Directory, text, Current is { } current ? $"still serving serial {current.Serial}" : "nothing to serve until it is fixed");
        }
    }

    private void Tick()
    {
        if (_watcher is null)
        {
            Watch();
        }

        Check();
    }

    private void ClearProblem()
    {
        if (_problem is not null)
        {
            _problem = null;
        }
    }

    private void Watch()
    {
        var parent = Path.GetDirectoryName(Directory);
        if (parent is null || !System.IO.Directory.Exists(parent))
        {
            // The periodic check still notices the files; the watcher is tried again on each tick.
            return;
        }

        try
        {
            var watcher = new FileSystemWatcher(parent)
            {
                IncludeSubdirectories = true,
                NotifyFilter = NotifyFilters.FileName | NotifyFilters.DirectoryName | NotifyFilters.LastWrite | NotifyFilters.Size,
            };
            watcher.Changed += OnFileEvent;
            watcher.Created += OnFileEvent;
            watcher.Deleted += OnFileEvent;
            watcher.Renamed += OnFileEvent;
            watcher.Error += (_, _) => Settle();
            watcher.EnableRaisingEvents = true;
            lock (_checkGate)
            {
                if (_disposed)
                {
                    watcher.Dispose();
                    return;
                }

                _watcher = watcher;
            }
        }
        catch (Exception ex) when (ex is IOException or ArgumentException or UnauthorizedAccessException or PlatformNotSupportedException)
        {
            // Out of inotify watches, or the directory vanished meanwhile: the periodic check covers it.
            LogWatcherUnavailable(_logger, parent, ex.Message);
        }
    }

    private void OnFileEvent(object sender, FileSystemEventArgs e) => Settle();

    // Several events arrive for one swap (rename out, rename in, deletes); check once they settled.
    // A late event after Dispose (the watcher's own thread) finds the timer gone; nothing is left to check then.
    private void Settle()
    {
        try
        {
            _settle.Change(s_settle, Timeout.InfiniteTimeSpan);
        }
        catch (ObjectDisposedException)
        {
        }
    }
}
