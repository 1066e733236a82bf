namespace Koi.Dns.Safety;

internal enum RateLimitDecision
{
    Allowed,

    /// <summary>The client spent its tokens.</summary>
    OverRate,

    /// <summary>Over the rate, but this one of every N gets a truncated reply, so a real client can go on over TCP.</summary>
    Slip,
}
