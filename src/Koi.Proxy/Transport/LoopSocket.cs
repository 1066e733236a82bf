using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;

namespace Koi.Proxy.Transport;

/// <summary>
/// A connection socket of the proxy. With a <see cref="SocketLoop"/> it is non-blocking and watched by that loop:
/// every read and write is first tried at once and, when the kernel has nothing (EAGAIN), waits for the loop's signal
/// and continues on the loop thread. Without one (not Linux) the same calls go through .NET's async socket methods.
/// The socket is never handed to .NET's own engine in loop mode, so its readiness is not reported twice.
/// </summary>
internal sealed class LoopSocket : ILoopWatched
{
    // Reads that found data at once, in a row, before the reader steps off the loop thread once: a fast bulk transfer
    // would otherwise keep the loop busy and every other connection on it waiting (16 x 16 KiB = 256 KiB).
    private const int ReadsBeforeYield = 16;

    private readonly Socket _socket;
    private readonly SocketLoop? _loop;
    private readonly Readiness _readable = new();
    private readonly Readiness _writable = new();
    private ulong _id;
    private int _fd = -1;
    private int _disposed;

    // The last read returned less than asked for, so the kernel had nothing more: the next read waits for the loop's
    // signal instead of trying first and getting EAGAIN (as nginx does). Data that arrives later raises a new edge.
    // Only the one reader touches it.
    private bool _drained;

    // The peer's FIN, a reset or an error was reported. Those are states, not data: one edge may have announced them
    // together with the bytes just read, and no further edge will come, so from then on every read tries first.
    private volatile bool _peerDone;

    private int _readsInARow;

    private LoopSocket(Socket socket, SocketLoop? loop)
    {
        _socket = socket;
        _loop = loop is { Alive: true } ? loop : null;
        socket.NoDelay = true;
        if (_loop is not null)
        {
            socket.Blocking = false;
        }
    }

    /// <summary>True when reads and writes run on the proxy's own loop rather than .NET's engine.</summary>
    public bool OnLoop => _loop is not null;

    /// <summary>The loop watching this socket, or null.</summary>
    public SocketLoop? Loop => _loop;

    /// <summary>The peer's address, or null when the socket is gone.</summary>
    public System.Net.EndPoint? RemoteEndPoint
    {
        get
        {
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

    /// <summary>Takes over an accepted socket (Nagle off; non-blocking and watched when there is a loop).</summary>
    public static LoopSocket Attach(Socket socket, SocketLoop? loop)
    {
        var attached = new LoopSocket(socket, loop);
        try
        {
            attached.Watch();
            return attached;
        }
        catch
        {
            attached.Dispose();
            throw;
        }
    }

    /// <summary>A connected socket (Nagle off), or the connect's <see cref="SocketException"/>; <paramref name="ct"/> bounds the wait.</summary>
    public static async ValueTask<LoopSocket> ConnectAsync(IPEndPoint endpoint, SocketLoop? loop, CancellationToken ct)
    {
        var connecting = new LoopSocket(new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp), loop);
        try
        {
            if (connecting._loop is null)
            {
                await connecting._socket.ConnectAsync(endpoint, ct);
                return connecting;
            }

            var started = NativeSocket.StartConnect(connecting._socket, endpoint);
            if (started is not (SocketError.Success or SocketError.InProgress))
            {
                throw new SocketException((int)started);
            }

            // Under way (or made). Watched only now: epoll then reports writable once the connection is made or has
            // failed. Whatever the backend sends raises a readable edge, bytes there when the watch began included
            // (epoll_ctl reports a descriptor that is ready when added), so the first read waits for that edge
            // instead of asking the kernel first (FIONREAD).
            connecting.Watch();
            connecting._drained = true;
            if (started == SocketError.InProgress)
            {
                await connecting._writable.WaitAsync(ct);
                var error = (SocketError)(int)connecting._socket.GetSocketOption(SocketOptionLevel.Socket, SocketOptionName.Error)!;
                if (error != SocketError.Success)
                {
                    throw new SocketException((int)error);
                }
            }

            return connecting;
        }
        catch
        {
            connecting.Dispose();
            throw;
        }
    }

    public ValueTask<int> ReceiveAsync(Memory<byte> buffer, CancellationToken ct = default)
    {
        if (_loop is null)
        {
            return _socket.ReceiveAsync(buffer, SocketFlags.None, ct);
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

        var received = _socket.Receive(buffer.Span, SocketFlags.None, out var error);
        switch (error)
        {
            case SocketError.Success:
                _drained = received < buffer.Length;
                return new ValueTask<int>(received);
            case SocketError.WouldBlock:
                _readsInARow = 0;
                return ReceiveWhenReadableAsync(buffer, ct);
            case SocketError.ConnectionReset:
                return new ValueTask<int>(OnReset());
            default:
                return ValueTask.FromException<int>(new SocketException((int)error));
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
        if (_peerDone || (!_drained && _socket.Available > 0))
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
            var sent = _socket.Send(buffer.Span, SocketFlags.None, out var error);
            if (error == SocketError.Success)
            {
                buffer = buffer[sent..];
            }
            else if (error == SocketError.WouldBlock)
            {
                return SendWhenWritableAsync(buffer, ct);
            }
            else
            {
                return ValueTask.FromException(new SocketException((int)error));
            }
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>Half-close: a FIN to the peer, while reading goes on.</summary>
    public void ShutdownSend()
    {
        if (_loop is null)
        {
            _socket.Shutdown(SocketShutdown.Send);
            return;
        }

        NativeSocket.ShutdownSend(_socket);
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

    /// <summary>Closes the socket; a pending read or write ends with <see cref="ObjectDisposedException"/>. Idempotent, any thread.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        if (_fd >= 0)
        {
            // Out of epoll before the descriptor can be closed and its number reused.
            _loop!.Unregister(_id, _fd);
            _socket.SafeHandle.DangerousRelease();
        }

        var closed = new ObjectDisposedException(nameof(LoopSocket), "the connection was closed");
        _readable.Fail(closed);
        _writable.Fail(closed);
        _socket.Dispose();
    }

    private void Watch()
    {
        if (_loop is null)
        {
            return;
        }

        var added = false;
        _socket.SafeHandle.DangerousAddRef(ref added);
        var fd = (int)_socket.SafeHandle.DangerousGetHandle();
        try
        {
            _id = _loop.Register(this, fd);
            _fd = fd;
        }
        catch
        {
            _socket.SafeHandle.DangerousRelease();
            throw;
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<int> ReceiveWhenReadableAsync(Memory<byte> buffer, CancellationToken ct)
    {
        while (true)
        {
            await _readable.WaitAsync(ct);
            var received = _socket.Receive(buffer.Span, SocketFlags.None, out var error);
            if (error == SocketError.Success)
            {
                _drained = received < buffer.Length;
                return received;
            }

            if (error == SocketError.ConnectionReset)
            {
                return OnReset();
            }

            if (error != SocketError.WouldBlock)
            {
                throw new SocketException((int)error);
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
                var sent = _socket.Send(buffer.Span, SocketFlags.None, out var error);
                if (error == SocketError.WouldBlock)
                {
                    break;
                }

                if (error != SocketError.Success)
                {
                    throw new SocketException((int)error);
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
        await _socket.ReceiveAsync(Memory<byte>.Empty, SocketFlags.None, ct);

    private async ValueTask SendAllAsync(ReadOnlyMemory<byte> buffer, CancellationToken ct)
    {
        while (!buffer.IsEmpty)
        {
            buffer = buffer[await _socket.SendAsync(buffer, SocketFlags.None, ct)..];
        }
    }
}
