using System.Net;
using Koi.Dns.Protocol;
using Koi.Mdns.Caching;
using Koi.Mdns.Scheduling;

namespace Koi.Mdns.Responding;

/// <summary>
/// Shared-record answers waiting out their random delay on one link (RFC 6762 §6: 20–120 ms, 400–500 ms after a
/// truncated query). Answers to several queries that arrive meanwhile are aggregated into the one response.
/// </summary>
internal sealed class PendingResponse(ScheduledWork work)
{
    public ScheduledWork Work { get; set; } = work;

    public List<DnsResourceRecord> Records { get; } = [];

    /// <summary>The querier whose truncated query (TC) is still sending its known answers, which may prune this response.</summary>
    public IPEndPoint? TruncatedFrom { get; set; }

    public void Add(DnsResourceRecord record)
    {
        foreach (var existing in Records)
        {
            if (RecordIdentity.Same(existing, record))
            {
                return;
            }
        }

        Records.Add(record);
    }

    /// <summary>Drops a record someone else has just given (or the querier already knows) with at least half our TTL (§7.1, §7.4).</summary>
    public void Suppress(DnsResourceRecord seen)
    {
        for (var i = Records.Count - 1; i >= 0; i--)
        {
            if (RecordIdentity.Same(Records[i], seen) && seen.Ttl >= Records[i].Ttl / 2)
            {
                Records.RemoveAt(i);
            }
        }
    }
}
