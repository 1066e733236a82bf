namespace Koi.Proxy.Listening;

/// <summary>
/// A client connection's one deadline, re-armed per phase (first byte, then the handshake) and disarmed once the
/// client is through; cancelled too when the listener stops. One timer and one registration per connection, where a
/// timer and a linked source per phase cost a measurable share of a handshake (docs/performance.md, "Proxy").
/// </summary>
internal sealed class ConnectionDeadline : IDisposable
{
    private readonly CancellationTokenSource _source;
    private readonly CancellationTokenRegistration _stopping;

    public ConnectionDeadline(TimeSpan first, TimeProvider time, CancellationToken stopping)
    {
        _source = new CancellationTokenSource(first, time);
        _stopping = stopping.UnsafeRegister(static state => Cancel((CancellationTokenSource)state!), _source);
    }

    public CancellationToken Token => _source.Token;

    /// <summary>The next phase gets <paramref name="timeout"/> from now.</summary>
    public void Rearm(TimeSpan timeout) => _source.CancelAfter(timeout);

    /// <summary>The client is through: no deadline any more (the listener's stop still cancels).</summary>
    public void Disarm() => _source.CancelAfter(Timeout.InfiniteTimeSpan);

    public void Dispose()
    {
        _stopping.Dispose();
        _source.Dispose();
    }

    // The listener stopping ends the connection's wait; a connection that ended meanwhile has disposed its source.
    private static void Cancel(CancellationTokenSource source)
    {
        try
        {
            source.Cancel();
        }
        catch (ObjectDisposedException)
        {
        }
    }
}
