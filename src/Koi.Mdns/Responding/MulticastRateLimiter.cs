using Koi.Dns.Protocol;
using Koi.Mdns.Caching;
using Koi.Mdns.Transport;
using Koi.Mdns.Wire;

namespace Koi.Mdns.Responding;

/// <summary>
/// RFC 6762 §6: a record goes to the multicast group of a link at most once per second; an answer defending a name
/// against a probe may follow after 250 ms. Entries exist only for our own records, so the table is as bounded as
/// the registrations; stale entries are pruned.
/// </summary>
internal sealed class MulticastRateLimiter
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan ProbeDefenceInterval = TimeSpan.FromMilliseconds(250);

    private readonly Dictionary<(MdnsLink Link, RecordIdentity Record), DateTimeOffset> _lastSent = [];

    public int Count => _lastSent.Count;

    public bool MayMulticast(MdnsLink link, DnsResourceRecord record, DateTimeOffset now, bool defendingProbe) =>
        !_lastSent.TryGetValue((link, RecordIdentity.Of(record)), out var last) ||
        now - last >= (defendingProbe ? ProbeDefenceInterval : Interval);

    /// <summary>When the record was last multicast on the link, if it was.</summary>
    public DateTimeOffset? LastMulticast(MdnsLink link, DnsResourceRecord record) =>
        _lastSent.TryGetValue((link, RecordIdentity.Of(record)), out var last) ? last : null;

    public void Sent(MdnsLink link, DnsResourceRecord record, DateTimeOffset now) =>
        _lastSent[(link, RecordIdentity.Of(record))] = now;

    /// <summary>Notes every answer of <paramref name="message"/> as multicast on <paramref name="link"/> now.</summary>
    public void Sent(MdnsLink link, OutgoingMessage message, DateTimeOffset now)
    {
        foreach (var record in message.Answers)
        {
            Sent(link, record, now);
        }
    }

    /// <summary>Forgets entries older than the longest TTL, when they no longer matter for any rule.</summary>
    public void Prune(DateTimeOffset now)
    {
        List<(MdnsLink, RecordIdentity)>? old = null;
        foreach (var (key, last) in _lastSent)
        {
            if (now - last > TimeSpan.FromSeconds(LocalService.OtherRecordTtl))
            {
                (old ??= []).Add(key);
            }
        }

        if (old is not null)
        {
            foreach (var key in old)
            {
                _lastSent.Remove(key);
            }
        }
    }
}
