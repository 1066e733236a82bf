namespace Koi.Health.Checks;

/// <summary>
/// The body of <c>POST /v1/health/checks</c>: a name and exactly one of <c>http</c> (a URL) or <c>tcp</c>
/// (<c>host:port</c>); <c>interval</c> and <c>timeout</c> as durations (<c>30s</c>, <c>2m</c>, <c>500ms</c>).
/// </summary>
public sealed record CheckRequest(string? Name, string? Http = null, string? Tcp = null, string? Interval = null, string? Timeout = null);
