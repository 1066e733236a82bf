namespace Koi.Mdns.Wire;

/// <summary>
/// Fingerprints of the packets this engine sent in the last few seconds. Multicast loopback hands each of them back
/// to us; recognising them by content (not only by source address, which other mDNS software on this host shares) keeps
/// the responder from taking its own announcement for a rival's — the classic endless rename loop.
/// </summary>
internal sealed class SentPacketLog
{
    private const int Capacity = 128;
    private static readonly TimeSpan Memory = TimeSpan.FromSeconds(5);

    private readonly (int Hash, int Length, DateTimeOffset At)[] _entries = new (int, int, DateTimeOffset)[Capacity];
    private int _next;

    public void Add(ReadOnlySpan<byte> packet, DateTimeOffset now)
    {
        _entries[_next] = (Fingerprint(packet), packet.Length, now);
        _next = (_next + 1) % Capacity;
    }

    public bool Contains(ReadOnlySpan<byte> packet, DateTimeOffset now)
    {
        var hash = Fingerprint(packet);
        foreach (var entry in _entries)
        {
            if (entry.Hash == hash && entry.Length == packet.Length && now - entry.At <= Memory)
            {
                return true;
            }
        }

        return false;
    }

    private static int Fingerprint(ReadOnlySpan<byte> packet)
    {
        var hash = default(HashCode);
        hash.AddBytes(packet);
        return hash.ToHashCode();
    }
}
