using Koi.Proxy.Transport;

namespace Koi.Proxy.Pumping;

/// <summary>
/// One client connection and, once made, its backend connection: when it last moved a byte (for the idle sweep) and
/// a way to tear both down from outside (idle, entry removed, daemon stopping).
/// </summary>
internal sealed class ProxyConnection(LoopSocket client, TimeProvider time)
{
    private long _lastActivity = time.GetTimestamp();
    private LoopSocket? _backend;
    private int _aborted;

    public LoopSocket Client => client;

    public bool Aborted => Volatile.Read(ref _aborted) != 0;

    public TimeSpan Idle => time.GetElapsedTime(Volatile.Read(ref _lastActivity));

    public void Touch() => Volatile.Write(ref _lastActivity, time.GetTimestamp());

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

    /// <summary>
    /// Closes both sockets; pending reads and writes on them end with an error. Idempotent: true only for the call
    /// that closed them, so whoever counts why a connection ended (the idle sweep) counts it once.
    /// </summary>
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
