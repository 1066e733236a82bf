using Koi.Dns.Protocol;

namespace Koi.Mdns.Caching;

/// <summary>
/// Records received from the network, per interface, honouring TTLs, cache-flush (RFC 6762 §10.2) and goodbyes
/// (§10.1). It never holds more than <c>capacity</c> records: when full, the record renewed longest ago goes, so a
/// peer flooding distinct records cannot grow memory, only push out stale entries. Not thread-safe (engine lock).
/// </summary>
internal sealed class RecordCache(int capacity)
{
    private static readonly TimeSpan FlushGrace = TimeSpan.FromSeconds(1);

    // Each record is indexed three ways so that no operation costs more than the records of one name: a flood of
    // distinct records under one name (a hostile PTR storm) must not make every insert scan the whole cache.
    private readonly Dictionary<NameTypeKey, HashSet<CachedRecord>> _byName = [];
    private readonly Dictionary<(int Interface, RecordIdentity Record), CachedRecord> _byIdentity = [];
    private readonly LinkedList<CachedRecord> _byAge = new();

    private static readonly HashSet<CachedRecord> None = [];

    public int Count => _byAge.Count;

    public long Evictions { get; private set; }

    /// <summary>Adds or renews <paramref name="record"/>; a record pushed out to make room is added to <paramref name="evicted"/>.</summary>
    public CacheUpdateKind Add(int interfaceIndex, DnsResourceRecord record, DateTimeOffset now, List<CachedRecord> evicted)
    {
        var key = new NameTypeKey(record.Name, record.Type);
        _byName.TryGetValue(key, out var list);
        var existing = _byIdentity.GetValueOrDefault((interfaceIndex, RecordIdentity.Of(record)));
        if (record.Ttl == 0)
        {
            if (existing is null)
            {
                return CacheUpdateKind.Ignored;
            }

            existing.ExpireSoon(now, goodbye: true);
            return CacheUpdateKind.Goodbye;
        }

        if (record.CacheFlush && list is not null && list.Count > (existing is null ? 0 : 1))
        {
            // Records that arrived within the last second belong to the same announcement and stay.
            foreach (var other in list)
            {
                if (other != existing && other.InterfaceIndex == interfaceIndex && other.Record.Class == record.Class &&
                    other.ReceivedAt < now - FlushGrace)
                {
                    other.ExpireSoon(now, goodbye: false);
                }
            }
        }

        var stored = record.CacheFlush ? record with { CacheFlush = false } : record;
        if (existing is not null)
        {
            existing.Renew(stored, now);
            _byAge.Remove(existing.Node!);
            _byAge.AddLast(existing.Node!);
            return CacheUpdateKind.Renewed;
        }

        if (capacity <= 0)
        {
            return CacheUpdateKind.Ignored;
        }

        while (_byAge.Count >= capacity && _byAge.First is { } oldest)
        {
            Remove(oldest.Value);
            evicted.Add(oldest.Value);
            Evictions++;
        }

        var entry = new CachedRecord(interfaceIndex, stored, now);
        entry.Node = _byAge.AddLast(entry);
        _byIdentity[(interfaceIndex, RecordIdentity.Of(stored))] = entry;
        if (!_byName.TryGetValue(key, out list))
        {
            list = [];
            _byName[key] = list;
        }

        list.Add(entry);
        return CacheUpdateKind.Added;
    }

    /// <summary>Removes every record whose time is up and adds it to <paramref name="expired"/>.</summary>
    public void Expire(DateTimeOffset now, List<CachedRecord> expired)
    {
        var node = _byAge.First;
        while (node is not null)
        {
            var next = node.Next;
            if (node.Value.ExpiresAt <= now)
            {
                Remove(node.Value);
                expired.Add(node.Value);
            }

            node = next;
        }
    }

    /// <summary>
    /// Cached records of <paramref name="name"/> and <paramref name="type"/>, on every interface: the cache's own set,
    /// to read and never change. A concrete set rather than an interface, so that a <c>foreach</c> over it uses the
    /// set's struct enumerator instead of allocating one (this runs for every service of a host each time one of the
    /// host's records is heard).
    /// </summary>
    public HashSet<CachedRecord> Find(DnsName name, DnsType type) =>
        _byName.TryGetValue(new NameTypeKey(name, type), out var list) ? list : None;

    /// <summary>Every cached record, least recently renewed first.</summary>
    public IEnumerable<CachedRecord> All => _byAge;

    private void Remove(CachedRecord entry)
    {
        _byAge.Remove(entry.Node!);
        _byIdentity.Remove((entry.InterfaceIndex, RecordIdentity.Of(entry.Record)));
        var key = new NameTypeKey(entry.Record.Name, entry.Record.Type);
        if (_byName.TryGetValue(key, out var list))
        {
            list.Remove(entry);
            if (list.Count == 0)
            {
                _byName.Remove(key);
            }
        }
    }
}
