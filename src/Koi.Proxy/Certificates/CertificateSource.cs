using Microsoft.Extensions.Logging;

namespace Koi.Proxy.Certificates;

/// <summary>
/// The certificate one entry presents, kept current without touching the disk on the handshake path: two
/// directory watches on the proxy's shared <see cref="DirectoryWatchHub"/> — one on the directory's own entry in its
/// parent (certmesh replaces <c>certs/&lt;host&gt;/</c> by renaming a staged directory over it), one on the files
/// inside it (written in place) — plus a periodic two-stat check. Neither watches the parent's other entries: a
/// certificate kept in a busy or large directory tree (a home directory, <c>/tmp</c>) must not wake the daemon for
/// every file written beside it. A change is loaded in the background and swapped in atomically; handshakes already
/// running keep the context they started with, established connections are not touched. If a reload fails the
/// previous certificate stays in use and the problem is reported.
/// </summary>
internal sealed partial class CertificateSource : IDisposable
{
    private static readonly TimeSpan s_settle = TimeSpan.FromMilliseconds(200);

    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Lock _checkGate = new();
    private readonly ITimer _periodic;
    private readonly ITimer _settle;
    private readonly DirectoryWatchHub _watches;
    private LoadedCertificate? _current;
    private (string Text, DateTimeOffset Since)? _problem;
    private DirectoryWatch? _entryWatch;
    private DirectoryWatch? _filesWatch;
    private string? _watchProblem;
    private int _rewatch;
    private int _wakeups;
    private bool _disposed;

    public CertificateSource(string directory, LoadedCertificate? initial, DirectoryWatchHub watches, ProxyOptions options, TimeProvider time, ILogger logger)
    {
        Directory = directory;
        _watches = watches;
        _current = initial;
        _time = time;
        _logger = logger;
        _settle = time.CreateTimer(_ => Guarded(Settled), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
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

    /// <summary>How many file-system notices reached this source: what the watches cost the daemon.</summary>
    internal int Wakeups => Volatile.Read(ref _wakeups);

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
        DirectoryWatch? entry;
        DirectoryWatch? files;
        lock (_checkGate)
        {
            (entry, files) = (_entryWatch, _filesWatch);
            (_entryWatch, _filesWatch) = (null, null);
        }

        entry?.Dispose();
        files?.Dispose();
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
        if (_entryWatch is null || _filesWatch is null)
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

    /// <summary>After events settled: a directory that was replaced gets its files watched anew, then one check.</summary>
    private void Settled()
    {
        if (Interlocked.Exchange(ref _rewatch, 0) == 1)
        {
            WatchFiles();
        }

        Check();
    }

    private void Watch()
    {
        var directory = Path.TrimEndingDirectorySeparator(Directory);
        if (_entryWatch is null && Path.GetDirectoryName(directory) is { Length: > 0 } parent)
        {
            // Only the directory's own name in its parent: created, deleted, renamed over.
            var watch = NewWatch(parent, DirectoryEvents.Names, Path.GetFileName(directory), OnEntryNotice);
            lock (_checkGate)
            {
                if (_disposed)
                {
                    watch?.Dispose();
                    return;
                }

                _entryWatch = watch;
            }
        }

        if (_filesWatch is null)
        {
            WatchFiles();
        }
    }

    /// <summary>(Re)watches the files of the directory now at <see cref="Directory"/>; the old watch followed the old one.</summary>
    private void WatchFiles()
    {
        var watch = NewWatch(Directory, DirectoryEvents.NamesAndContents, null, OnFilesNotice);
        DirectoryWatch? previous;
        lock (_checkGate)
        {
            if (_disposed)
            {
                watch?.Dispose();
                return;
            }

            previous = _filesWatch;
            _filesWatch = watch;
        }

        previous?.Dispose();
    }

    /// <summary>A watch, or null when the directory is missing or cannot be watched (the periodic check covers it).</summary>
    private DirectoryWatch? NewWatch(string path, DirectoryEvents events, string? name, Action<DirectoryNotice> notify)
    {
        var watch = _watches.Watch(path, events, name, notify, out var error);
        if (error is not null && error != _watchProblem)
        {
            // Out of inotify watches or instances: said once per reason, not at every periodic check that tries again.
            LogWatcherUnavailable(_logger, path, error);
        }

        _watchProblem = error;
        return watch;
    }

    private void OnEntryNotice(DirectoryNotice notice)
    {
        if (notice == DirectoryNotice.Lost)
        {
            // The parent itself went: the periodic check watches it again once it is back.
            lock (_checkGate)
            {
                _entryWatch = null;
            }
        }

        Volatile.Write(ref _rewatch, 1);
        Settle();
    }

    // Lost (the directory deleted) or events dropped: watch whatever is at the path now once things settled.
    private void OnFilesNotice(DirectoryNotice notice)
    {
        if (notice != DirectoryNotice.Changed)
        {
            Volatile.Write(ref _rewatch, 1);
        }

        Settle();
    }

    // Several events arrive for one swap (rename out, rename in, deletes); check once they settled.
    // A late notice after Dispose (the hub's thread) finds the timer gone; nothing is left to check then.
    private void Settle()
    {
        Interlocked.Increment(ref _wakeups);
        try
        {
            _settle.Change(s_settle, Timeout.InfiniteTimeSpan);
        }
        catch (ObjectDisposedException)
        {
        }
    }
}
