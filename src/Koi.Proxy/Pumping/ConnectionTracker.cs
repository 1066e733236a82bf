namespace Koi.Proxy.Pumping;

/// <summary>
/// The open connections of one entry. A single timer sweeps them for idleness, so the byte pump itself needs no timer,
/// cancellation source or clock read per read; the entry's byte totals are those of its closed connections plus its
/// open ones', summed here when asked, so the pump writes only its own connection's counts.
/// </summary>
internal sealed class ConnectionTracker : IDisposable
{
    private readonly HashSet<ProxyConnection> _open = [];
    private readonly Lock _gate = new();
    private readonly TimeSpan _idleTimeout;
    private readonly EntryCounters _counters;
    private readonly ITimer _sweep;
    private long _closedBytesIn;
    private long _closedBytesOut;

    public ConnectionTracker(TimeSpan idleTimeout, EntryCounters counters, TimeProvider time)
    {
        _idleTimeout = idleTimeout;
        _counters = counters;
        // An eighth of the timeout: traffic is noticed at the next look (ProxyConnection.IdleAtSweep), and the look that
        // finds the timeout passed comes at most another eighth later, so a connection is closed between 1x and 1.25x
        // its idle time.
        var every = idleTimeout / 8;
        _sweep = time.CreateTimer(_ => Sweep(), null, every, every);
        counters.CountTrafficWith(Traffic);
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

    /// <summary>Forgets a connection whose pump has ended; its bytes stay in the entry's totals.</summary>
    public void Remove(ProxyConnection connection)
    {
        lock (_gate)
        {
            if (_open.Remove(connection))
            {
                _closedBytesIn += connection.BytesIn;
                _closedBytesOut += connection.BytesOut;
            }
        }
    }

    /// <summary>
    /// The entry's bytes each way since the daemon started: closed connections' and open ones' so far, under one lock,
    /// so that the figure never goes down as a connection closes (it is a Prometheus counter).
    /// </summary>
    public (long In, long Out) Traffic()
    {
        lock (_gate)
        {
            var (bytesIn, bytesOut) = (_closedBytesIn, _closedBytesOut);
            foreach (var connection in _open)
            {
                bytesIn += connection.BytesIn;
                bytesOut += connection.BytesOut;
            }

            return (bytesIn, bytesOut);
        }
    }

    /// <summary>Closes connections idle for the timeout; returns how many.</summary>
    public int Sweep()
    {
        List<ProxyConnection>? idle = null;
        lock (_gate)
        {
            foreach (var connection in _open)
            {
                // One closed already stays in the set until its pump has wound down: not idle a second time.
                if (!connection.Aborted && connection.IdleAtSweep() >= _idleTimeout)
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
