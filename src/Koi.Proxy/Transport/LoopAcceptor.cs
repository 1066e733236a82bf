using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Koi.Proxy.Transport;

/// <summary>
/// Accepts the clients of a listening socket on a <see cref="SocketLoop"/>: the socket non-blocking in the loop's epoll
/// (every loop watches it, each woken alone: <see cref="Epoll.AddListener"/>), and on every edge <c>accept4</c> until
/// the backlog is empty, each client handed on right there to be served by this loop, as nginx's workers do. A client
/// is its descriptor and the address accept4 wrote (<see cref="LoopSockets.Adopt"/>): no .NET <see cref="Socket"/>. Accepting through
/// .NET's socket engine instead wakes its epoll thread and then a thread-pool worker for every new client before the
/// client reaches a proxy loop (docs/performance.md). <see cref="Ended"/> says when and why accepting stopped.
/// </summary>
internal sealed partial class LoopAcceptor : ILoopWatched
{
    private const int SockNonBlock = 0x800;
    private const int SockCloExec = 0x80000;

    private static readonly TimeSpan Backoff = TimeSpan.FromMilliseconds(100);

    private readonly Socket _listener;
    private readonly SocketLoop _loop;
    private readonly Action<LoopSocket> _accepted;
    private readonly Action<string> _backingOff;
    private readonly TimeProvider _time;
    private readonly TaskCompletionSource<string?> _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly int _fd;
    private ulong _id;
    private int _kicks;
    private int _retrying;
    private int _ending;
    private int _stopped;
    private string? _reason;

    private LoopAcceptor(Socket listener, SocketLoop loop, Action<LoopSocket> accepted, Action<string> backingOff, TimeProvider time)
    {
        _listener = listener;
        _loop = loop;
        _accepted = accepted;
        _backingOff = backingOff;
        _time = time;
        var added = false;
        listener.SafeHandle.DangerousAddRef(ref added);
        _fd = (int)listener.SafeHandle.DangerousGetHandle();
    }

    /// <summary>Completes with null once <see cref="Stop"/> was called, or with the reason accepting ended on its own.</summary>
    public Task<string?> Ended => _ended.Task;

    /// <summary>
    /// Watches <paramref name="listener"/> on <paramref name="loop"/> and hands every client, watched by that loop, to
    /// <paramref name="accepted"/> (on the loop's thread; after a back-off, on the thread pool), which then owns it.
    /// Throws <see cref="IOException"/> when the loop has stopped.
    /// </summary>
    public static LoopAcceptor Start(Socket listener, SocketLoop loop, Action<LoopSocket> accepted, Action<string> backingOff, TimeProvider time)
    {
        listener.Blocking = false;
        var acceptor = new LoopAcceptor(listener, loop, accepted, backingOff, time);
        try
        {
            acceptor._id = loop.Register(acceptor, acceptor._fd, listener: true);
        }
        catch
        {
            listener.SafeHandle.DangerousRelease();
            throw;
        }

        // Clients that queued before the watch began raise no edge of their own.
        acceptor.Kick();
        return acceptor;
    }

    public void OnEvents(uint events) => Kick();

    /// <summary>Stops accepting (the socket stays open: its owner closes it). Idempotent, any thread.</summary>
    public void Stop() => End(null);

    /// <summary>The loop stopped (it disposes what it watches).</summary>
    public void Dispose() => End($"{_loop.Name} stopped");

    // Edges may come from the loop while a back-off retry drains on the thread pool: one drain at a time, and one more
    // after it whenever an edge came meanwhile, so no edge is lost. The drainer also lets go of the descriptor once
    // stopped, so no accept4 can run on a number the owner has closed and the kernel handed out again.
    private void Kick()
    {
        if (Interlocked.Increment(ref _kicks) != 1)
        {
            return;
        }

        while (true)
        {
            if (Volatile.Read(ref _stopped) != 0)
            {
                // _kicks stays above zero: nobody drains again.
                _listener.SafeHandle.DangerousRelease();
                _ended.TrySetResult(_reason);
                return;
            }

            Drain();
            if (Interlocked.CompareExchange(ref _kicks, 0, 1) == 1)
            {
                return;
            }

            Volatile.Write(ref _kicks, 1);
        }
    }

    private unsafe void Drain()
    {
        var address = stackalloc byte[NativeSocket.AddressSize];
        while (Volatile.Read(ref _stopped) == 0)
        {
            var length = NativeSocket.AddressSize;
            var fd = Accept4(_fd, address, &length, SockNonBlock | SockCloExec);
            if (fd < 0)
            {
                var errno = Marshal.GetLastPInvokeError();
                switch (Classify(errno))
                {
                    case AcceptError.Empty:
                        return;
                    case AcceptError.Transient:
                        continue;
                    case AcceptError.OutOfResources:
                        BackOff($"errno {errno} (out of descriptors or memory)");
                        return;
                    default:
                        End($"accept failed with errno {errno}");
                        return;
                }
            }

            LoopSocket client;
            try
            {
                client = LoopSockets.Adopt(fd, NativeSocket.ReadAddress(new ReadOnlySpan<byte>(address, length)), _loop);
            }
            catch (IOException)
            {
                // The loop is stopping (Adopt has closed the descriptor): its acceptor ends with it.
                continue;
            }

            _accepted(client);
        }
    }

    // accept(2), "Error handling": Linux passes network errors already pending on the new connection to accept, and
    // they are to be treated like EAGAIN and retried; EMFILE/ENFILE/ENOBUFS/ENOMEM pass with time.
    private static AcceptError Classify(int errno) => errno switch
    {
        11 => AcceptError.Empty,                                                  // EAGAIN
        4 or 103 or 71 or 1 or 100 or 92 or 112 or 64 or 113 or 95 or 101 => AcceptError.Transient,
        // EINTR, ECONNABORTED, EPROTO, EPERM (firewall), ENETDOWN, ENOPROTOOPT, EHOSTDOWN, ENONET, EHOSTUNREACH, EOPNOTSUPP, ENETUNREACH
        24 or 23 or 105 or 12 => AcceptError.OutOfResources,                      // EMFILE, ENFILE, ENOBUFS, ENOMEM
        _ => AcceptError.Fatal,
    };

    private void BackOff(string error)
    {
        if (Interlocked.Exchange(ref _retrying, 1) != 0)
        {
            return;
        }

        _backingOff(error);
        _ = RetryAsync();
    }

    // The queued clients raise no new edge: after the pause, drain again from the thread pool.
    private async Task RetryAsync()
    {
        await Task.Delay(Backoff, _time).ConfigureAwait(false);
        Volatile.Write(ref _retrying, 0);
        Kick();
    }

    private void End(string? reason)
    {
        if (Interlocked.Exchange(ref _ending, 1) != 0)
        {
            return;
        }

        _reason = reason;
        Volatile.Write(ref _stopped, 1);

        // Out of epoll at once; the descriptor is let go by whoever drains last (see Kick).
        _loop.Unregister(_id, _fd);
        Kick();
    }

    [LibraryImport("libc", EntryPoint = "accept4", SetLastError = true)]
    private static unsafe partial int Accept4(int fd, byte* address, int* addressLength, int flags);

    private enum AcceptError
    {
        Empty,
        Transient,
        OutOfResources,
        Fatal,
    }
}
