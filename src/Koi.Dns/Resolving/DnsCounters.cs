using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Koi.Dns.Resolving;

/// <summary>What happened to queries since the daemon started (<c>koi dns status</c>). Lock-free; read at any time.</summary>
internal sealed class DnsCounters
{
    private long _answered;
    private long _forwarded;
    private long _refused;
    private long _rateLimited;
    private long _slipped;
    private long _malformed;
    private long _upstreamFailures;

    // Built once: a tag passed by value does not allocate per measurement.
    private static readonly KeyValuePair<string, object?> FromZone = new("source", "zone");
    private static readonly KeyValuePair<string, object?> FromUpstream = new("source", "upstream");

    /// <summary>Answered from the zone, NXDOMAIN and NODATA included.</summary>
    public long Answered => Volatile.Read(ref _answered);

    public long Forwarded => Volatile.Read(ref _forwarded);

    /// <summary>REFUSED or NOTIMP: public clients, classes and types koi does not serve.</summary>
    public long Refused => Volatile.Read(ref _refused);

    /// <summary>UDP queries over their client's rate: refused, or slipped.</summary>
    public long RateLimited => Volatile.Read(ref _rateLimited);

    /// <summary>Of <see cref="RateLimited"/>, those that got a truncated reply instead of REFUSED.</summary>
    public long Slipped => Volatile.Read(ref _slipped);

    /// <summary>Not a DNS query: undecodable, several questions, or a response sent to the resolver.</summary>
    public long Malformed => Volatile.Read(ref _malformed);

    /// <summary>Forwarded queries no upstream answered in time (the client got SERVFAIL).</summary>
    public long UpstreamFailures => Volatile.Read(ref _upstreamFailures);

    /// <summary>Where <see cref="RecordZoneAnswer"/> and <see cref="RecordUpstreamAnswer"/> go; null until the metrics exist.</summary>
    public Histogram<double>? Duration { get; set; }

    /// <summary>A query answered from the zone (or refused) by the listener, timed from its arrival. Allocates nothing.</summary>
    public void RecordZoneAnswer(long startedTimestamp) =>
        Duration?.Record(Stopwatch.GetElapsedTime(startedTimestamp).TotalSeconds, FromZone);

    /// <summary>
    /// <paramref name="count"/> queries received together at <paramref name="receivedTimestamp"/> and answered from the
    /// zone (or refused), their replies sent together just now: each is recorded with the same time.
    /// </summary>
    public void RecordZoneAnswers(long receivedTimestamp, int count)
    {
        if (count == 0 || Duration is not { } duration)
        {
            return;
        }

        var seconds = Stopwatch.GetElapsedTime(receivedTimestamp).TotalSeconds;
        for (var i = 0; i < count; i++)
        {
            duration.Record(seconds, FromZone);
        }
    }

    /// <summary>A forwarded query whose upstream answer was relayed, timed from the client's query.</summary>
    public void RecordUpstreamAnswer(long startedTimestamp) =>
        Duration?.Record(Stopwatch.GetElapsedTime(startedTimestamp).TotalSeconds, FromUpstream);

    public void CountAnswered() => Interlocked.Increment(ref _answered);

    public void CountForwarded() => Interlocked.Increment(ref _forwarded);

    public void CountRefused() => Interlocked.Increment(ref _refused);

    public void CountRateLimited() => Interlocked.Increment(ref _rateLimited);

    public void CountSlipped() => Interlocked.Increment(ref _slipped);

    public void CountMalformed() => Interlocked.Increment(ref _malformed);

    public void CountUpstreamFailure() => Interlocked.Increment(ref _upstreamFailures);
}
