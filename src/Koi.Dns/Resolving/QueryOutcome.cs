namespace Koi.Dns.Resolving;

internal enum QueryOutcome
{
    /// <summary>Send the response the handler wrote.</summary>
    Respond,

    /// <summary>The name is outside koi's names: send the query upstream.</summary>
    Forward,

    /// <summary>Send nothing (not a query, or not even a header).</summary>
    Drop,
}

/// <param name="Length">Bytes of response written, for <see cref="QueryOutcome.Respond"/>.</param>
/// <param name="ResponseLimit">The largest response this client can take over its transport.</param>
internal readonly record struct HandledQuery(QueryOutcome Outcome, int Length, int ResponseLimit)
{
    public static HandledQuery Drop { get; } = new(QueryOutcome.Drop, 0, 0);
}
