namespace Koi.Health.Probes;

/// <summary>The outcome of one probe.</summary>
/// <param name="Up">The service answered as a healthy one should (2xx, or an accepted connection).</param>
/// <param name="Label">The short state the health table shows: <c>200</c>, <c>502</c>, <c>open</c>, <c>closed</c>, <c>timeout</c>, <c>tls</c>, <c>error</c>.</param>
/// <param name="Detail">What happened, for people, e.g. <c>connection refused</c>; null when there is nothing to add.</param>
internal sealed record ProbeResult(bool Up, string Label, string? Detail = null)
{
    public static ProbeResult TimedOut(TimeSpan timeout) => new(false, "timeout", $"no answer within {Checks.DurationText.Format(timeout)}");
}
