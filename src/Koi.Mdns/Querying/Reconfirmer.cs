using Koi.Dns.Protocol;
using Koi.Mdns.Caching;
using Koi.Mdns.Scheduling;

namespace Koi.Mdns.Querying;

/// <summary>
/// RFC 6762 §10.4 (cache flush on failure indication): when another part of koi suspects that a cached record's owner
/// is gone (health: a machine silent for 60 s), the record is asked for twice, <see cref="Requery"/> apart, without
/// listing it as a known answer; if nobody answers within <see cref="Window"/> it is flushed, long before its TTL would
/// have run out. A live owner answers and the record is renewed as usual. Not thread-safe: engine lock.
/// </summary>
internal sealed class Reconfirmer(EngineScheduler scheduler, RecordCache cache, Querier querier)
{
    public static readonly TimeSpan Window = TimeSpan.FromSeconds(10);
    public static readonly TimeSpan Requery = TimeSpan.FromSeconds(2);

    /// <summary>How many records were put to the question.</summary>
    public long Reconfirmed { get; private set; }

    /// <summary>Reconfirms every cached <paramref name="type"/> record of <paramref name="name"/>; false when none is cached.</summary>
    public bool Reconfirm(DnsName name, DnsType type)
    {
        var now = scheduler.Now;
        var key = new NameTypeKey(name, type);
        var any = false;
        foreach (var cached in cache.Find(name, type))
        {
            // The shortened lifetime also keeps the record out of our own known-answer lists (less than half its TTL
            // left, §7.1), so the owner cannot suppress its answer on our word.
            cached.Reconfirm(now, Window);
            querier.Reconfirm(key, cached.InterfaceIndex);
            Reconfirmed++;
            any = true;
        }

        if (any)
        {
            scheduler.After(Requery, () => AskAgain(key, now));
        }

        return any;
    }

    private void AskAgain(NameTypeKey key, DateTimeOffset since)
    {
        foreach (var cached in cache.Find(key.Name, key.Type))
        {
            if (cached.ReceivedAt <= since)
            {
                querier.Reconfirm(key, cached.InterfaceIndex);
            }
        }
    }
}
