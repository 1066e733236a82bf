namespace Koi.Metrics;

/// <summary>
/// <c>GET /metrics</c>: every capability's instruments in the Prometheus text format. Loopback only and, unlike the rest of the management
/// API, without the token, so a local Prometheus or agent can scrape it (docs/api.md#metrics); a LAN scraper goes through an SSH tunnel or a local agent.
/// </summary>
internal static class MetricsEndpoint
{
    public static void Map(WebApplication app)
    {
        app.MapGet("/metrics", (PrometheusExporter exporter) =>
                TypedResults.Text(exporter.Scrape(), PrometheusTextWriter.ContentType))
            .Produces<string>(StatusCodes.Status200OK, "text/plain")
            .WithMetadata(Daemon.LoopbackEndpoint.Instance)
            .WithName("GetMetrics")
            .WithSummary("Prometheus text exposition of every capability's instruments.");
    }
}
