namespace Koi.Proxy.Pumping;

/// <summary>
/// The open connections of one entry. A single timer sweeps them for idleness, so the byte pump itself needs no timer
/// or cancellation source per read.
/// </summary>
internal sealed class ConnectionTracker : IDisposable
{
    private readonly HashSet<ProxyConnection> _open = [];
    private readonly Lock _gate = new();
    private readonly TimeSpan _idleTimeout;
    private readonly EntryCounters _counters;
    private readonly ITimer _sweep;

    public ConnectionTracker(TimeSpan idleTimeout, EntryCounters counters, TimeProvider time)
    {
        _idleTimeout = idleTimeout;
        _counters = counters;
        // A quarter of the timeout: a connection is closed between 1x and 1.25x its idle time.
        var every = idleTimeout / 4;
        _sweep = time.CreateTimer(_ => Sweep(), null, every, every);
    }

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _open.Count;
            }
        }
    }

    public void Add(ProxyConnection connection)
    {
        lock (_gate)
        {
            _open.Add(connection);
        }
    }

    public void Remove(ProxyConnection connection)
    {
        lock (_gate)
        {
            _open.Remove(connection);
        }
    }

    /// <summary>Closes connections idle for the timeout; returns how many it closed (each counted once).</summary>
    /// <remarks>
    /// A connection stays listed after it is aborted until its serving task has seen its sockets close and removed it,
    /// so a later sweep, or one running at the same time (the timer and <c>SweepIdle</c>), can find it again: it is
    /// counted only by the sweep whose <see cref="ProxyConnection.Abort"/> closed it, and never when it was closed for
    /// another reason first (its own end, eviction, the entry's removal).
    /// </remarks>
    public int Sweep()
    {
        List<ProxyConnection>? idle = null;
        lock (_gate)
        {
            foreach (var connection in _open)
            {
                if (!connection.Aborted && connection.Idle >= _idleTimeout)
                {
                    (idle ??= []).Add(connection);
                }
            }
        }

        if (idle is null)
        {
            return 0;
        }

        var closed = 0;
        foreach (var connection in idle)
        {
            if (connection.Abort())
            {
                _counters.IdleClose();
                closed++;
            }
        }

        return closed;
    }

    public IReadOnlyList<ProxyConnection> Snapshot()
    {
        lock (_gate)
        {
            return [.. _open];
        }
    }

    public void AbortAll()
    {
        List<ProxyConnection> all;
        lock (_gate)
        {
            all = [.. _open];
        }

        foreach (var connection in all)
        {
            connection.Abort();
        }
    }

    public void Dispose() => _sweep.Dispose();
}
