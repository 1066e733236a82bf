using Koi.Mdns.Caching;

namespace Koi.Mdns.Querying;

/// <summary>A question asked again and again while someone wants its answers (RFC 6762 §5.2).</summary>
internal sealed class ContinuousQuestion(NameTypeKey key, DateTimeOffset firstAt)
{
    public static readonly TimeSpan FirstInterval = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan MaxInterval = TimeSpan.FromMinutes(60);

    public NameTypeKey Key { get; } = key;

    public DateTimeOffset NextAt { get; private set; } = firstAt;

    /// <summary>The wait after the next send: 1 s, then doubling up to 60 minutes.</summary>
    public TimeSpan Interval { get; private set; } = FirstInterval;

    public int TimesAsked { get; private set; }

    /// <summary>Counts a send, ours or (§7.3) an identical one by another host, and schedules the next.</summary>
    public void Asked(DateTimeOffset now)
    {
        TimesAsked++;
        NextAt = now + Interval;
        var doubled = Interval * 2;
        Interval = doubled > MaxInterval ? MaxInterval : doubled;
    }
}
