namespace Koi.Proxy.Listening;

/// <summary>
/// A client connection's one deadline, re-armed per phase (first byte, then the handshake) and disarmed once the
/// client is through; cancelled too when whoever holds the connection stops. One timer and one registration per
/// connection, where a timer and a linked source per phase cost a measurable share of a handshake
/// (docs/performance.md, "Proxy"). On a shared port the port reads the ClientHello under it and hands it on to the
/// entry the name picks (<see cref="HandOver"/>), so a routed client pays for one deadline too.
/// </summary>
internal sealed class ConnectionDeadline : IDisposable
{
    private readonly CancellationTokenSource _source;
    private CancellationTokenRegistration _stopping;

    public ConnectionDeadline(TimeSpan first, TimeProvider time, CancellationToken stopping)
    {
        _source = new CancellationTokenSource(first, time);
        _stopping = Watch(stopping);
    }

    public CancellationToken Token => _source.Token;

    /// <summary>The next phase gets <paramref name="timeout"/> from now.</summary>
    public void Rearm(TimeSpan timeout) => _source.CancelAfter(timeout);

    /// <summary>The client is through: no deadline any more (the holder's stop still cancels).</summary>
    public void Disarm() => _source.CancelAfter(Timeout.InfiniteTimeSpan);

    /// <summary>
    /// The connection changes hands (a shared port → the entry its ClientHello named): from now on the new holder's
    /// <paramref name="stopping"/> cancels it, not the old one's. The time left in the current phase is kept.
    /// </summary>
    public void HandOver(CancellationToken stopping)
    {
        _stopping.Dispose();
        _stopping = Watch(stopping);
    }

    public void Dispose()
    {
        _stopping.Dispose();
        _source.Dispose();
    }

    private CancellationTokenRegistration Watch(CancellationToken stopping) =>
        stopping.UnsafeRegister(static state => Cancel((CancellationTokenSource)state!), _source);

    // The holder stopping ends the connection's wait; a connection that ended meanwhile has disposed its source.
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
