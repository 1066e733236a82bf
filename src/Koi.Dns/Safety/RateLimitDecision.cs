namespace Koi.Dns.Safety;

internal enum RateLimitDecision
{
    Allowed,

    /// <summary>The client spent its tokens.</summary>
    OverRate,

    /// <summary>The client table is full of clients still being limited; a new client cannot be tracked.</summary>
    TableFull,
}
