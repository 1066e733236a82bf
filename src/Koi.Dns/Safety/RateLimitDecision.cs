namespace Koi.Dns.Safety;

internal enum RateLimitDecision
{
    Allowed,

    /// <summary>The client spent its tokens.</summary>
    OverRate,

    /// <summary>Over the rate, but this one of every N gets a truncated reply, so a real client can go on over TCP.</summary>
    Slip,

    /// <summary>The client table is full of clients still being limited; a new client cannot be tracked.</summary>
    TableFull,
}
