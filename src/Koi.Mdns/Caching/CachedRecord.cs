using Koi.Dns.Protocol;

namespace Koi.Mdns.Caching;

/// <summary>One record in the cache, with when it came and when it goes.</summary>
internal sealed class CachedRecord(int interfaceIndex, DnsResourceRecord record, DateTimeOffset receivedAt)
{
    // RFC 6762 §5.2: refresh at 80, 85, 90 and 95 % of the TTL.
    private static readonly double[] RefreshPoints = [0.80, 0.85, 0.90, 0.95];

    public int InterfaceIndex { get; } = interfaceIndex;

    public DnsResourceRecord Record { get; private set; } = record;

    public DateTimeOffset ReceivedAt { get; private set; } = receivedAt;

    public DateTimeOffset ExpiresAt { get; private set; } = receivedAt + TimeSpan.FromSeconds(record.Ttl);

    /// <summary>The next refresh point (index into 80/85/90/95 %); 4 when all have passed.</summary>
    public int RefreshStage { get; private set; }

    public LinkedListNode<CachedRecord>? Node { get; set; }

    public bool IsGoodbye { get; private set; }

    public TimeSpan Remaining(DateTimeOffset now) => ExpiresAt - now;

    /// <summary>RFC 6762 §7.1: a known answer is listed only while more than half its TTL is left.</summary>
    public bool IsFreshForKnownAnswer(DateTimeOffset now) =>
        !IsGoodbye && Remaining(now) > TimeSpan.FromSeconds(Record.Ttl / 2.0);

    public void Renew(DnsResourceRecord record, DateTimeOffset now)
    {
        Record = record;
        ReceivedAt = now;
        ExpiresAt = now + TimeSpan.FromSeconds(record.Ttl);
        RefreshStage = 0;
        IsGoodbye = false;
    }

    /// <summary>A goodbye or a flush: RFC 6762 §10.1/§10.2 keep the record for one more second, then drop it.</summary>
    public void ExpireSoon(DateTimeOffset now, bool goodbye)
    {
        var soon = now + TimeSpan.FromSeconds(1);
        if (soon < ExpiresAt)
        {
            ExpiresAt = soon;
        }

        IsGoodbye |= goodbye;
        RefreshStage = RefreshPoints.Length;
    }

    /// <summary>
    /// RFC 6762 §10.4: its owner may be gone. Unless an answer renews it, the record goes by <paramref name="now"/> +
    /// <paramref name="within"/>; the usual refresh points are skipped (the reconfirming queries take their place).
    /// </summary>
    public void Reconfirm(DateTimeOffset now, TimeSpan within)
    {
        var by = now + within;
        if (by < ExpiresAt)
        {
            ExpiresAt = by;
        }

        RefreshStage = RefreshPoints.Length;
    }

    /// <summary>True when the next refresh point (plus <paramref name="jitter"/> of the TTL, 0–2 %) has passed; advances it.</summary>
    public bool TakeRefreshDue(DateTimeOffset now, double jitter)
    {
        if (RefreshStage >= RefreshPoints.Length || Record.Ttl == 0)
        {
            return false;
        }

        var point = ReceivedAt + TimeSpan.FromSeconds(Record.Ttl * (RefreshPoints[RefreshStage] + jitter));
        if (now < point)
        {
            return false;
        }

        while (RefreshStage < RefreshPoints.Length &&
               now >= ReceivedAt + TimeSpan.FromSeconds(Record.Ttl * RefreshPoints[RefreshStage]))
        {
            RefreshStage++;
        }

        return true;
    }
}
