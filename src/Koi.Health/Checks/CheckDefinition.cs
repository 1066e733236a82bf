using System.Text.Json.Serialization;

namespace Koi.Health.Checks;

/// <summary>One registered service check, validated, as <c>state/health.json</c> keeps it.</summary>
/// <param name="Name">Unique (case-insensitive) name, e.g. <c>grafana</c>.</param>
/// <param name="Target">The URL (HTTP) or <c>host:port</c> (TCP) exactly as validated.</param>
internal sealed record CheckDefinition(
    string Name,
    CheckKind Kind,
    string Target,
    double IntervalSecs,
    double TimeoutSecs,
    DateTimeOffset AddedAt)
{
    [JsonIgnore]
    public TimeSpan Interval => TimeSpan.FromSeconds(IntervalSecs);

    [JsonIgnore]
    public TimeSpan Timeout => TimeSpan.FromSeconds(TimeoutSecs);

    /// <summary><c>host:port</c> for people: the health table shows where a check points, not its whole URL.</summary>
    [JsonIgnore]
    public string Endpoint => Kind == CheckKind.Tcp ? Target : HttpEndpoint(Target);

    private static string HttpEndpoint(string url)
    {
        var uri = new Uri(url);
        var host = uri.HostNameType == UriHostNameType.IPv6 ? $"[{uri.IdnHost}]" : uri.IdnHost;
        return $"{host}:{uri.Port}";
    }
}
