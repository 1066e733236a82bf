using Koi.Proxy.Transport;

namespace Koi.Proxy.Pumping;

/// <summary>
/// One client connection and, once made, its backend connection: the bytes it moved each way, when it last moved
/// any (for the idle sweep) and a way to tear both down from outside (idle, entry removed, daemon stopping).
/// </summary>
/// <remarks>
/// The pump only adds to this connection's own byte counts, each direction written by its one reader, with no clock
/// read and no atomic instruction per read: the entry's totals are summed by <see cref="ConnectionTracker"/> when
/// someone asks, and the sweep tells activity by the counts having moved since its last look. A counter shared by every
/// connection of an entry, written with <c>lock xadd</c> from both loop threads, bounced its cache line between the
/// cores on every request (docs/performance.md, "Proxy").
/// </remarks>
internal sealed class ProxyConnection(LoopSocket client, TimeProvider time)
{
    private long _lastActivity = time.GetTimestamp();
    private long _bytesIn;
    private long _bytesOut;
    private long _movedAtLastLook;
    private LoopSocket? _backend;
    private int _aborted;

    public LoopSocket Client => client;

    public bool Aborted => Volatile.Read(ref _aborted) != 0;

    /// <summary>Decrypted bytes from the client, forwarded to the backend.</summary>
    public long BytesIn => Volatile.Read(ref _bytesIn);

    /// <summary>Bytes from the backend, sent encrypted to the client.</summary>
    public long BytesOut => Volatile.Read(ref _bytesOut);

    /// <summary>Marks the connection active now (once it is established; the pump's traffic counts by itself).</summary>
    public void Touch() => Volatile.Write(ref _lastActivity, time.GetTimestamp());

    /// <summary>Counts bytes forwarded to the backend; called by the client-to-backend direction only.</summary>
    public void AddIn(int bytes) => Volatile.Write(ref _bytesIn, _bytesIn + bytes);

    /// <summary>Counts bytes forwarded to the client; called by the backend-to-client direction only.</summary>
    public void AddOut(int bytes) => Volatile.Write(ref _bytesOut, _bytesOut + bytes);

    /// <summary>
    /// How long the connection has moved no byte, as the idle sweep sees it: traffic since the sweep's last look
    /// counts as activity at this look. Called by the one sweep at a time (under its tracker's lock).
    /// </summary>
    public TimeSpan IdleAtSweep()
    {
        var moved = BytesIn + BytesOut;
        if (moved != _movedAtLastLook)
        {
            _movedAtLastLook = moved;
            Touch();
            return TimeSpan.Zero;
        }

        return time.GetElapsedTime(Volatile.Read(ref _lastActivity));
    }

    /// <summary>Attaches the backend socket; false (and the socket closed) if the connection was aborted meanwhile.</summary>
    /// <remarks>
    /// Both sides use full fences (Interlocked): with a plain store then load here, the CPU may let this thread read
    /// "not aborted" while <see cref="Abort"/> reads no backend yet — and then nobody closes the backend socket.
    /// </remarks>
    public bool Attach(LoopSocket backend)
    {
        Interlocked.Exchange(ref _backend, backend);
        if (Aborted)
        {
            backend.Dispose();
            return false;
        }

        return true;
    }

    /// <summary>Closes both sockets; pending reads and writes on them end with an error. Idempotent: true for the call that closed them.</summary>
    public bool Abort()
    {
        if (Interlocked.Exchange(ref _aborted, 1) != 0)
        {
            return false;
        }

        client.Dispose();
        Volatile.Read(ref _backend)?.Dispose();
        return true;
    }
}
