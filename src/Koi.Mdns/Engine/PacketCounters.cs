namespace Koi.Mdns.Engine;

/// <summary>Datagrams counted since start; thread-safe, read without the engine's lock.</summary>
internal sealed class PacketCounters
{
    private long _in;
    private long _out;
    private long _malformed;
    private long _ownIgnored;

    public long In => Interlocked.Read(ref _in);

    public long Out => Interlocked.Read(ref _out);

    /// <summary>Received but not decodable.</summary>
    public long Malformed => Interlocked.Read(ref _malformed);

    /// <summary>Our own datagrams, looped back to us.</summary>
    public long OwnIgnored => Interlocked.Read(ref _ownIgnored);

    public void Received() => Interlocked.Increment(ref _in);

    public void Sent() => Interlocked.Increment(ref _out);

    public void ReceivedMalformed() => Interlocked.Increment(ref _malformed);

    public void ReceivedOwn() => Interlocked.Increment(ref _ownIgnored);
}
