namespace Koi.Proxy.Pumping;

/// <summary>An entry's traffic figures since the daemon started; updated lock-free from every connection.</summary>
internal sealed class EntryCounters
{
    private long _open;
    private long _accepted;
    private long _bytesIn;
    private long _bytesOut;
    private long _handshakeFailures;
    private long _backendFailures;
    private long _rejected;
    private long _idleClosed;
    private long _clientsRefused;
    private long _evicted;

    public long Open => Volatile.Read(ref _open);

    public long Accepted => Volatile.Read(ref _accepted);

    /// <summary>Decrypted bytes from clients, forwarded to the backend.</summary>
    public long BytesIn => Volatile.Read(ref _bytesIn);

    /// <summary>Bytes from the backend, sent encrypted to clients.</summary>
    public long BytesOut => Volatile.Read(ref _bytesOut);

    public long HandshakeFailures => Volatile.Read(ref _handshakeFailures);

    /// <summary>Client connections closed because the backend could not be reached.</summary>
    public long BackendFailures => Volatile.Read(ref _backendFailures);

    /// <summary>Client connections closed at once: the entry, or the client's source, had its maximum open.</summary>
    public long Rejected => Volatile.Read(ref _rejected);

    public long IdleClosed => Volatile.Read(ref _idleClosed);

    /// <summary>Connections closed before their TLS handshake to make room for a new client (the oldest such first).</summary>
    public long Evicted => Volatile.Read(ref _evicted);

    /// <summary>Handshakes refused because the client was not an active mesh member (<c>--clients mesh</c>).</summary>
    public long ClientsRefused => Volatile.Read(ref _clientsRefused);

    /// <summary>Counts a new connection the entry's admission let in.</summary>
    public void Opened()
    {
        Interlocked.Increment(ref _open);
        Interlocked.Increment(ref _accepted);
    }

    public void Reject() => Interlocked.Increment(ref _rejected);

    public void Evict() => Interlocked.Increment(ref _evicted);

    public void Closed() => Interlocked.Decrement(ref _open);

    public void AddIn(int bytes) => Interlocked.Add(ref _bytesIn, bytes);

    public void AddOut(int bytes) => Interlocked.Add(ref _bytesOut, bytes);

    public void HandshakeFailed() => Interlocked.Increment(ref _handshakeFailures);

    public void BackendFailed() => Interlocked.Increment(ref _backendFailures);

    public void IdleClose() => Interlocked.Increment(ref _idleClosed);

    public void ClientRefused() => Interlocked.Increment(ref _clientsRefused);
}
