namespace Koi.Dns.Zone;

/// <summary>The current snapshot. Readers take the reference once per query; a rebuild swaps it atomically.</summary>
internal sealed class ZoneHolder(ZoneSnapshot initial)
{
    private ZoneSnapshot _current = initial;

    public ZoneSnapshot Current => Volatile.Read(ref _current);

    public void Swap(ZoneSnapshot next) => Volatile.Write(ref _current, next);
}
