namespace Koi.Dns.Transport;

/// <summary>
/// Where a UDP receive loop that does not wait on the socket sleeps until the loop before it finds a backlog
/// (<see cref="UdpDnsListener"/>).
/// </summary>
internal sealed class BacklogSignal : IDisposable
{
    private readonly ManualResetEventSlim _woken = new(false, spinCount: 1);
    private int _sleeping;

    /// <summary>Blocks until <see cref="Wake"/>; false when the listener stops instead.</summary>
    public bool Sleep(CancellationToken token)
    {
        _woken.Reset();
        // After the reset: a Wake that sees the flag sets the event this Wait sees.
        Volatile.Write(ref _sleeping, 1);
        try
        {
            _woken.Wait(token);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>
    /// Cheap when the loop is awake already (one read). A datagram that arrives just as the loop goes to sleep is
    /// not lost either way: loop 0 takes it.
    /// </summary>
    public void Wake()
    {
        if (Volatile.Read(ref _sleeping) == 1 && Interlocked.Exchange(ref _sleeping, 0) == 1)
        {
            _woken.Set();
        }
    }

    public void Dispose() => _woken.Dispose();
}
