using System.Collections.Concurrent;
using System.Runtime.InteropServices;

namespace Koi.Proxy.Transport;

/// <summary>
/// One thread waiting in epoll for the proxy's connections and running what they waited for right there — the
/// decrypt, the send to the other side, the next read — as nginx's workers do. .NET's own socket engine hands every
/// completion to the thread pool first: two thread hops per proxied request, which cost the proxy more CPU than the
/// TLS work (docs/performance.md). Only the proxy's sockets are here; nothing else in the daemon changes thread.
/// What runs on this thread must not block: the pump only makes non-blocking socket calls and TLS record work.
/// </summary>
internal sealed unsafe class SocketLoop : IDisposable
{
    private const int MaxEvents = 256;

    // How soon the thread notices Dispose; epoll_wait returns at once when there is work.
    private const int WaitMilliseconds = 250;

    private readonly int _epfd;
    private readonly ConcurrentDictionary<ulong, ILoopWatched> _sockets = new();
    private readonly Action<SocketLoop, string>? _died;

    // Held around every use of _epfd by other threads and around its close: once closed, its number may belong to
    // another file, and an epoll_ctl on it would change that file's watch list instead.
    private readonly Lock _epollGate = new();
    private bool _closed;
    private long _nextId;
    private volatile bool _stopping;
    private volatile bool _dead;
    private volatile string? _deathReason;

    private SocketLoop(int epfd, string name, Action<SocketLoop, string>? died)
    {
        _epfd = epfd;
        _died = died;
        Name = name;
        var thread = new Thread(Run) { IsBackground = true, Name = name };
        thread.UnsafeStart();
    }

    public string Name { get; }

    /// <summary>False once the thread has stopped (disposed, or epoll failed): new sockets then go elsewhere.</summary>
    public bool Alive => !_stopping && !_dead;

    /// <summary>Why the thread stopped on its own, or null while it runs (or was disposed).</summary>
    public string? DeathReason => _deathReason;

    /// <summary>The epoll descriptor, for tests that break it to see the loop report its death.</summary>
    internal int Descriptor => _epfd;

    /// <summary>True once the thread has ended and closed its epoll descriptor.</summary>
    internal bool Closed
    {
        get
        {
            lock (_epollGate)
            {
                return _closed;
            }
        }
    }

    /// <summary>
    /// A running loop, or null with the reason in <paramref name="problem"/> where epoll is not available or cannot
    /// be created (then the proxy uses .NET's async sockets). <paramref name="died"/> is called on the loop's thread
    /// if it ever stops on its own.
    /// </summary>
    public static SocketLoop? TryStart(string name, Action<SocketLoop, string>? died, out string? problem)
    {
        if (!Epoll.Supported)
        {
            problem = "epoll is not available on this system";
            return null;
        }

        var epfd = Epoll.Create();
        if (epfd < 0)
        {
            problem = $"epoll_create1 failed with errno {Marshal.GetLastPInvokeError()}";
            return null;
        }

        problem = null;
        return new SocketLoop(epfd, name, died);
    }

    /// <summary>Watches <paramref name="fd"/> (kept open by the caller until <see cref="Unregister"/>, or until it closes it after <see cref="Forget"/>) for <paramref name="socket"/>.</summary>
    /// <param name="listener">A listening socket that other loops watch too (<see cref="Epoll.AddListener"/>).</param>
    public ulong Register(ILoopWatched socket, int fd, bool listener = false)
    {
        var id = (ulong)Interlocked.Increment(ref _nextId);
        lock (_epollGate)
        {
            if (_closed)
            {
                // Stopped between the caller's Alive check and here.
                throw new IOException($"{Name} has stopped");
            }

            _sockets[id] = socket;
            var error = listener ? Epoll.AddListener(_epfd, fd, id) : Epoll.Add(_epfd, fd, id);
            if (error != 0)
            {
                _sockets.TryRemove(id, out _);
                throw new IOException($"epoll_ctl(ADD) failed with errno {error}");
            }
        }

        return id;
    }

    /// <summary>
    /// Stops delivering events to the socket registered as <paramref name="id"/>, whose descriptor is about to be closed:
    /// the close itself takes it out of epoll (epoll(7): a descriptor leaves every watch list once the last descriptor
    /// of its open file is closed; the proxy makes no dup), and events still queued carry the id, not the number, so a
    /// reused number is never confused. One syscall less per socket than <see cref="Unregister"/>.
    /// </summary>
    public void Forget(ulong id) => _sockets.TryRemove(id, out _);

    /// <summary>Stops watching a descriptor that stays open (a listening socket other loops still watch).</summary>
    public void Unregister(ulong id, int fd)
    {
        if (!_sockets.TryRemove(id, out _))
        {
            return;
        }

        lock (_epollGate)
        {
            if (!_closed && !_dead)
            {
                Epoll.Remove(_epfd, fd);
            }
        }
    }

    public void Dispose() => _stopping = true;

    private void Run()
    {
        var events = (byte*)NativeMemory.Alloc((nuint)(MaxEvents * Epoll.EventSize));
        string? death = null;
        try
        {
            while (!_stopping)
            {
                var count = Epoll.Wait(_epfd, events, MaxEvents, WaitMilliseconds);
                if (count < 0)
                {
                    var errno = Marshal.GetLastPInvokeError();
                    if (errno == Epoll.EIntr)
                    {
                        continue;
                    }

                    // Not expected (EBADF/EINVAL would be a bug here): end every connection rather than leave it hanging.
                    death = $"epoll_wait failed with errno {errno}";
                    break;
                }

                for (var i = 0; i < count; i++)
                {
                    if (_sockets.TryGetValue(Epoll.DataAt(events, i), out var socket))
                    {
                        try
                        {
                            socket.OnEvents(Epoll.EventsAt(events, i));
                        }
                        catch (Exception)
                        {
                            // Whatever a continuation threw belongs to that connection alone: it ends, the loop goes on.
                            socket.Dispose();
                        }
                    }
                }
            }
        }
        catch (Exception ex)
        {
            // Nothing in the loop itself should throw; if it does, the loop is reported dead rather than taking the
            // whole daemon down with an unhandled exception on this thread.
            death = $"{ex.GetType().Name}: {ex.Message}";
        }
        finally
        {
            if (death is not null)
            {
                _deathReason = death;
                _dead = true;
            }

            NativeMemory.Free(events);
            lock (_epollGate)
            {
                _closed = true;
                Epoll.Close(_epfd);
            }

            // After the close, under the gate: a socket registering meanwhile is refused, one closing skips epoll.
            foreach (var socket in _sockets.Values)
            {
                socket.Dispose();
            }
        }

        if (death is not null)
        {
            _died?.Invoke(this, death);
        }
    }
}
