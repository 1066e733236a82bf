using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Koi.Proxy.Transport;

/// <summary>
/// A connection socket of the proxy. With a <see cref="SocketLoop"/> it is non-blocking and watched by that loop:
/// every read and write is first tried at once and, when the kernel has nothing (EAGAIN), waits for the loop's signal
/// and continues on the loop thread. On the loop the descriptor is driven directly (<see cref="NativeSocket"/>, through
/// a <see cref="SocketDescriptor"/> that closes it exactly once): the clients the loop accepted and the backend
/// connections are never wrapped in a .NET <see cref="Socket"/>, whose wrapping alone cost ten syscalls per socket.
/// Without a loop (not Linux) the same calls go through .NET's async socket methods.
/// </summary>
internal sealed class LoopSocket : ILoopWatched
{
    // Reads that found data at once, in a row, before the reader steps off the loop thread once: a fast bulk transfer
    // would otherwise keep the loop busy and every other connection on it waiting (16 x 16 KiB = 256 KiB).
    private const int ReadsBeforeYield = 16;

    // The .NET socket: without a loop, or one accepted by .NET's engine (the fallback when no loop accepts). Null for
    // a descriptor the loop accepted or a backend connection opened on the loop.
    private readonly Socket? _socket;

    // The descriptor every call on the loop goes through: a SocketDescriptor, or _socket's own handle.
    private readonly SafeHandle? _handle;
    private readonly SocketLoop? _loop;
    private readonly IPEndPoint? _peer;
    private readonly Readiness _readable = new();
    private readonly Readiness _writable = new();
    private ulong _id;
    private bool _watched;
    private int _disposed;

    // The last read returned less than asked for, so the kernel had nothing more: the next read waits for the loop's
    // signal instead of trying first and getting EAGAIN (as nginx does). Data that arrives later raises a new edge.
    // Only the one reader touches it.
    private bool _drained;

    // The peer's FIN, a reset or an error was reported. Those are states, not data: one edge may have announced them
    // together with the bytes just read, and no further edge will come, so from then on every read tries first.
    private volatile bool _peerDone;

    private int _readsInARow;

    internal LoopSocket(Socket socket, SocketLoop? loop)
    {
        _socket = socket;
        _loop = loop is { Alive: true } ? loop : null;
        socket.NoDelay = true;
        if (_loop is not null)
        {
            socket.Blocking = false;
            _handle = socket.SafeHandle;
        }
    }

    internal LoopSocket(SocketDescriptor descriptor, IPEndPoint? peer, SocketLoop loop)
    {
        _handle = descriptor;
        _peer = peer;
        _loop = loop;
    }

    /// <summary>True when reads and writes run on the proxy's own loop rather than .NET's engine.</summary>
    public bool OnLoop => _loop is not null;

    /// <summary>The loop watching this socket, or null.</summary>
    public SocketLoop? Loop => _loop;

    /// <summary>The descriptor's number on the loop (-1 without a loop), for tests that check it is closed once.</summary>
    internal int Descriptor => _handle is null ? -1 : (int)_handle.DangerousGetHandle();

    /// <summary>The peer's address, or null when the socket is gone.</summary>
    public System.Net.EndPoint? RemoteEndPoint
    {
        get
        {
            if (_socket is null)
            {
                return _peer;
            }

            try
            {
                return _socket.RemoteEndPoint;
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
            {
                return null;
            }
        }
    }

    /// <summary>The descriptor the loop drives; only with a loop.</summary>
    internal SafeHandle Handle => _handle!;

    /// <summary>The .NET socket, for a connection without a loop.</summary>
    internal Socket? DotNetSocket => _socket;

    /// <summary>
    /// Watched by the loop, the next read waiting for the loop's readable edge instead of asking the kernel first: for
    /// a connection watched from its start, every byte that arrives raises an edge (epoll_ctl reports a descriptor that
    /// is ready when added).
    /// </summary>
    internal void WatchDrained()
    {
        Watch();
        _drained = true;
    }

    /// <summary>Until the loop reports the socket writable (a non-blocking connect made or failed).</summary>
    internal ValueTask WaitWritableAsync(CancellationToken ct) => _writable.WaitAsync(ct);

    public ValueTask<int> ReceiveAsync(Memory<byte> buffer, CancellationToken ct = default)
    {
        if (_loop is null)
        {
            return _socket!.ReceiveAsync(buffer, SocketFlags.None, ct);
        }

        if (buffer.IsEmpty)
        {
            // A zero-byte read (SslStream issues one for its caller's): wait for data, read none of it.
            return WaitThenNothingAsync(ct);
        }

        if (_drained && !_peerDone)
        {
            _readsInARow = 0;
            return ReceiveWhenReadableAsync(buffer, ct);
        }

        if (++_readsInARow > ReadsBeforeYield)
        {
            _readsInARow = 0;
            return ReceiveAfterYieldAsync(buffer, ct);
        }

        var received = NativeSocket.Receive(_handle!, buffer.Span, out var errno);
        if (received >= 0)
        {
            _drained = received < buffer.Length;
            return new ValueTask<int>(received);
        }

        switch (errno)
        {
            case NativeSocket.EAgain:
                _readsInARow = 0;
                return ReceiveWhenReadableAsync(buffer, ct);
            case NativeSocket.EConnReset:
                return new ValueTask<int>(OnReset());
            default:
                return ValueTask.FromException<int>(new SocketException((int)NativeSocket.ToSocketError(errno)));
        }
    }

    /// <summary>
    /// Completes when a read would find data, the peer's FIN or an error, without a buffer: a connection that has sent
    /// nothing holds no memory while it waits.
    /// </summary>
    public ValueTask WaitReadableAsync(CancellationToken ct)
    {
        if (_loop is null)
        {
            // A zero-byte receive completes once data is there, and reads none of it.
            return WaitReadableUnwatchedAsync(ct);
        }

        // Drained: the kernel had nothing at the last read, so whatever comes raises an edge and the wait is enough
        // (no FIONREAD for every request and direction). Otherwise bytes may already be there, with no edge to come.
        if (_peerDone || (!_drained && NativeSocket.Available(_handle!) > 0))
        {
            _drained = false;
            return ValueTask.CompletedTask;
        }

        return WaitUntilReadableAsync(ct);
    }

    /// <summary>Sends all of <paramref name="buffer"/>, waiting for room as often as needed.</summary>
    public ValueTask SendAsync(ReadOnlyMemory<byte> buffer, CancellationToken ct = default)
    {
        if (_loop is null)
        {
            return SendAllAsync(buffer, ct);
        }

        while (!buffer.IsEmpty)
        {
            var sent = NativeSocket.Send(_handle!, buffer.Span, out var errno);
            if (sent >= 0)
            {
                buffer = buffer[sent..];
            }
            else if (errno == NativeSocket.EAgain)
            {
                return SendWhenWritableAsync(buffer, ct);
            }
            else
            {
                return ValueTask.FromException(new SocketException((int)NativeSocket.ToSocketError(errno)));
            }
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>Half-close: a FIN to the peer, while reading goes on.</summary>
    public void ShutdownSend()
    {
        if (_loop is null)
        {
            _socket!.Shutdown(SocketShutdown.Send);
            return;
        }

        NativeSocket.ShutdownSend(_handle!);
    }

    /// <summary>
    /// The peer reset the connection: on the loop a read returns end of stream (0) for it, as for a FIN, and sets this,
    /// so that the caller can tell the two apart without an exception per connection (clients that close with bytes
    /// unread reset; the exception went up through every async read of SslStream above, costing ~5 % of a connection's
    /// CPU). Only the one reader reads it.
    /// </summary>
    public bool Reset { get; private set; }

    /// <summary>Called by the loop on an epoll event; wakes the waiting reader and writer on this thread.</summary>
    public void OnEvents(uint events)
    {
        if ((events & (Epoll.PeerClosedWrite | Epoll.HangUp | Epoll.Error)) != 0)
        {
            _peerDone = true;
        }

        if ((events & (Epoll.Readable | Epoll.PeerClosedWrite | Epoll.HangUp | Epoll.Error)) != 0)
        {
            _readable.Signal();
        }

        if ((events & (Epoll.Writable | Epoll.HangUp | Epoll.Error)) != 0)
        {
            _writable.Signal();
        }
    }

    /// <summary>
    /// Closes the socket; a pending read or write ends with <see cref="ObjectDisposedException"/>, and so does every
    /// call after this one. Idempotent, any thread: the descriptor is closed once, after the last call holding it.
    /// </summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        if (_watched)
        {
            // Events still queued for it find no socket. The close below takes the descriptor out of the loop's epoll
            // (nothing dups it), so no EPOLL_CTL_DEL syscall first; a reused number is added afresh under a new id.
            _loop!.Forget(_id);
        }

        var closed = new ObjectDisposedException(nameof(LoopSocket), "the connection was closed");
        _readable.Fail(closed);
        _writable.Fail(closed);
        if (_socket is not null)
        {
            _socket.Dispose();
        }
        else
        {
            _handle!.Dispose();
        }
    }

    internal void Watch()
    {
        if (_loop is null)
        {
            return;
        }

        var added = false;
        _handle!.DangerousAddRef(ref added);
        try
        {
            _id = _loop.Register(this, (int)_handle.DangerousGetHandle());
            _watched = true;
        }
        finally
        {
            _handle.DangerousRelease();
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<int> ReceiveWhenReadableAsync(Memory<byte> buffer, CancellationToken ct)
    {
        while (true)
        {
            await _readable.WaitAsync(ct);
            var received = NativeSocket.Receive(_handle!, buffer.Span, out var errno);
            if (received >= 0)
            {
                _drained = received < buffer.Length;
                return received;
            }

            if (errno == NativeSocket.EConnReset)
            {
                return OnReset();
            }

            if (errno != NativeSocket.EAgain)
            {
                throw new SocketException((int)NativeSocket.ToSocketError(errno));
            }
        }
    }

    private int OnReset()
    {
        Reset = true;
        _peerDone = true;
        return 0;
    }

    // Continues on the thread pool; the next read that has to wait comes back to the loop.
    private async ValueTask<int> ReceiveAfterYieldAsync(Memory<byte> buffer, CancellationToken ct)
    {
        await Task.Yield();
        return await ReceiveAsync(buffer, ct);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask SendWhenWritableAsync(ReadOnlyMemory<byte> buffer, CancellationToken ct)
    {
        while (!buffer.IsEmpty)
        {
            await _writable.WaitAsync(ct);
            while (!buffer.IsEmpty)
            {
                var sent = NativeSocket.Send(_handle!, buffer.Span, out var errno);
                if (errno == NativeSocket.EAgain)
                {
                    break;
                }

                if (sent < 0)
                {
                    throw new SocketException((int)NativeSocket.ToSocketError(errno));
                }

                buffer = buffer[sent..];
            }
        }
    }

    // The edge that woke us is used up here, so the next read must try first instead of waiting for another. Having
    // waited, the reader has let the loop serve others: the fairness count starts again. (Counted across these waits,
    // every 16th request of a keep-alive connection stepped off the loop, and each such step woke thread-pool
    // workers that then spun in sched_yield: ~5 context switches and a third of the daemon's CPU per request.)
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask WaitUntilReadableAsync(CancellationToken ct)
    {
        _readsInARow = 0;
        await _readable.WaitAsync(ct);
        _drained = false;
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<int> WaitThenNothingAsync(CancellationToken ct)
    {
        await WaitReadableAsync(ct);
        return 0;
    }

    private async ValueTask WaitReadableUnwatchedAsync(CancellationToken ct) =>
        await _socket!.ReceiveAsync(Memory<byte>.Empty, SocketFlags.None, ct);

    private async ValueTask SendAllAsync(ReadOnlyMemory<byte> buffer, CancellationToken ct)
    {
        while (!buffer.IsEmpty)
        {
            buffer = buffer[await _socket!.SendAsync(buffer, SocketFlags.None, ct)..];
        }
    }
}
