using System.Runtime.InteropServices;
using Koi.Core.Status;
using Microsoft.Extensions.Logging;

namespace Koi.Proxy.Certificates;

/// <summary>
/// The proxy's one inotify instance, shared by every entry's <see cref="CertificateSource"/> (docs/proxy.md,
/// "Certificates and hot reload"). A <see cref="FileSystemWatcher"/> is an inotify instance of its own, and a user
/// may hold only 128 of them by default (<c>fs.inotify.max_user_instances</c>): two per entry meant ~60 entries used
/// up what every other program of the same user (systemd, a second daemon) needs. Here each distinct directory is one
/// kernel watch however many subscribe to it — entries whose certificates sit side by side share the watch on their
/// parent — and the kernel's watch is removed when its last subscriber leaves. One thread reads the events and calls
/// the subscribers back on it, so a callback must be short. Where there is no inotify (not Linux, or the instances are
/// used up) <see cref="Watch"/> answers null with the reason, and the caller falls back to its periodic check. Its
/// state is the component <c>proxy/cert-watch</c>.
/// </summary>
internal sealed partial class DirectoryWatchHub : IDisposable
{
    // Room for many events per read(2); one event is 16 bytes plus a name of at most NAME_MAX + 1, padded.
    private const int BufferSize = 64 * 1024;

    private const string Fallback = "every entry's certificate files are checked every few seconds instead";

    private readonly ComponentHealth _health;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private readonly Dictionary<int, DirectoryWatch[]> _watches = [];
    private readonly int _fd = -1;
    private readonly int _wakeup = -1;
    private readonly Thread? _reader;
    private string? _unavailable;
    private bool _disposed;

    public DirectoryWatchHub(ComponentHealth health, ILogger logger)
    {
        _health = health;
        _logger = logger;
        if (!OperatingSystem.IsLinux())
        {
            _unavailable = "inotify is Linux's";
            health.Disabled($"{_unavailable}; {Fallback}");
            LogUnavailable(logger, _unavailable);
            return;
        }

        _fd = Inotify.Open(out var errno);
        if (_fd >= 0)
        {
            _wakeup = Inotify.OpenWakeup(out errno);
            if (_wakeup < 0)
            {
                Inotify.Close(_fd);
                _fd = -1;
            }
        }

        if (_fd < 0)
        {
            _unavailable = Inotify.Describe(errno);
            health.Failed($"no inotify instance: {_unavailable}; {Fallback}");
            LogUnavailable(logger, _unavailable);
            return;
        }

        _reader = new Thread(Read) { IsBackground = true, Name = "koi proxy inotify" };
        _reader.Start();
        health.Running("one inotify instance for every entry's certificate directory");
    }

    /// <summary>Why there are no watches (every subscriber relies on its periodic check); null when there are.</summary>
    public string? Unavailable
    {
        get
        {
            lock (_gate)
            {
                return _unavailable;
            }
        }
    }

    /// <summary>The inotify descriptor (-1 without one): what <c>/proc/self/fdinfo</c> describes.</summary>
    internal int Descriptor => _fd;

    /// <summary>Whether the reader thread runs.</summary>
    internal bool Reading => _reader?.IsAlive == true;

    /// <summary>How many kernel watches are held: one per distinct directory subscribed to.</summary>
    internal int WatchCount
    {
        get
        {
            lock (_gate)
            {
                return _watches.Count;
            }
        }
    }

    /// <summary>
    /// Subscribes <paramref name="notify"/> to <paramref name="events"/> in <paramref name="directory"/> (only those
    /// about <paramref name="name"/> when given). Null when it cannot be watched: <paramref name="error"/> says why, or
    /// is null too when the directory is simply not there (nothing to warn about; the caller watches for it to appear).
    /// </summary>
    public DirectoryWatch? Watch(string directory, DirectoryEvents events, string? name, Action<DirectoryNotice> notify, out string? error)
    {
        lock (_gate)
        {
            error = _disposed ? "the proxy is stopping" : _unavailable;
            if (error is not null)
            {
                return null;
            }

            var wd = Inotify.AddWatch(_fd, directory, (uint)events, out var errno);
            if (wd < 0)
            {
                error = errno is Inotify.ENoEnt or Inotify.ENotDir ? null : Inotify.Describe(errno);
                return null;
            }

            var watch = new DirectoryWatch(this, wd, events, name, notify);
            _watches[wd] = _watches.TryGetValue(wd, out var others) ? [.. others, watch] : [watch];
            return watch;
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            _watches.Clear();
        }

        if (_reader is null)
        {
            return;
        }

        _health.Stopped("daemon stopping");

        // Closing the descriptor would not wake a thread blocked on it; the eventfd does, at once.
        Inotify.Wake(_wakeup);
        if (_reader.Join(TimeSpan.FromSeconds(5)))
        {
            Inotify.Close(_fd);
            Inotify.Close(_wakeup);
        }
    }

    internal void Remove(DirectoryWatch watch)
    {
        lock (_gate)
        {
            // Gone already when the kernel ended the watch (IN_IGNORED) or the hub stopped.
            if (_disposed || !_watches.TryGetValue(watch.Descriptor, out var subscribers) || Array.IndexOf(subscribers, watch) < 0)
            {
                return;
            }

            if (subscribers.Length == 1)
            {
                _watches.Remove(watch.Descriptor);
                Inotify.RemoveWatch(_fd, watch.Descriptor);
                return;
            }

            // The kernel's mask stays the union of what was asked; each subscriber filters for its own events.
            _watches[watch.Descriptor] = Array.FindAll(subscribers, s => s != watch);
        }
    }

    private void Read()
    {
        var buffer = new byte[BufferSize];
        while (Inotify.Wait(_fd, _wakeup))
        {
            int read;
            int errno;
            while ((read = Inotify.Read(_fd, buffer, out errno)) > 0)
            {
                Dispatch(buffer.AsSpan(0, read));
            }

            if (read < 0 && errno is not (Inotify.EAgain or Inotify.EIntr))
            {
                Fail(Inotify.Describe(errno));
                return;
            }
        }

        bool stopping;
        lock (_gate)
        {
            stopping = _disposed;
        }

        if (!stopping)
        {
            Fail("poll on the inotify descriptor failed");
        }
    }

    /// <summary>The reader cannot go on: every subscriber loses its watch and, like one that could not watch, relies on its periodic check.</summary>
    private void Fail(string reason)
    {
        DirectoryWatch[] all;
        lock (_gate)
        {
            _unavailable = reason;
            all = [.. _watches.Values.SelectMany(s => s)];
            _watches.Clear();
        }

        _health.Failed($"reading inotify events stopped: {reason}; {Fallback}");
        LogReaderFailed(_logger, reason);
        foreach (var watch in all)
        {
            Notify(watch, DirectoryNotice.Lost);
        }
    }

    /// <summary>Walks the <c>struct inotify_event</c> records of one read: wd, mask, cookie, len, then len bytes of NUL-padded name.</summary>
    private void Dispatch(ReadOnlySpan<byte> events)
    {
        while (events.Length >= Inotify.EventHeaderSize)
        {
            var wd = MemoryMarshal.Read<int>(events);
            var mask = MemoryMarshal.Read<uint>(events[4..]);
            var length = MemoryMarshal.Read<uint>(events[12..]);
            if (length > (uint)(events.Length - Inotify.EventHeaderSize))
            {
                return;
            }

            var name = events.Slice(Inotify.EventHeaderSize, (int)length);
            var end = name.IndexOf((byte)0);
            Deliver(wd, mask, end < 0 ? name : name[..end]);
            events = events[(Inotify.EventHeaderSize + (int)length)..];
        }
    }

    private void Deliver(int wd, uint mask, ReadOnlySpan<byte> name)
    {
        DirectoryWatch[]? subscribers;
        if ((mask & Inotify.InQueueOverflow) != 0)
        {
            lock (_gate)
            {
                subscribers = [.. _watches.Values.SelectMany(s => s)];
            }

            foreach (var watch in subscribers)
            {
                Notify(watch, DirectoryNotice.Overflow);
            }

            return;
        }

        var ended = (mask & Inotify.InIgnored) != 0;
        lock (_gate)
        {
            if (!_watches.TryGetValue(wd, out subscribers))
            {
                return;
            }

            if (ended)
            {
                // The directory was deleted (or its file system unmounted): the kernel already dropped the watch.
                _watches.Remove(wd);
            }
        }

        foreach (var watch in subscribers)
        {
            if (ended)
            {
                Notify(watch, DirectoryNotice.Lost);
            }
            else if (watch.Wants(mask, name))
            {
                Notify(watch, DirectoryNotice.Changed);
            }
        }
    }

    // An exception escaping the reader thread would end the daemon; one subscriber's failure must not silence the others.
    private void Notify(DirectoryWatch watch, DirectoryNotice notice)
    {
        try
        {
            watch.Notify(notice);
        }
        catch (Exception ex)
        {
            LogNoticeFailed(_logger, ex);
        }
    }
}
