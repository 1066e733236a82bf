namespace Koi.Metrics;

/// <summary>
/// <c>GET /metrics</c>: every capability's instruments in the Prometheus text format. Loopback only, like the rest of
/// the management API (docs/api.md#metrics); a LAN scraper goes through an SSH tunnel or a local agent.
/// </summary>
internal static class MetricsEndpoint
{
    public static void Map(WebApplication app)
    {
        app.MapGet("/metrics", (PrometheusExporter exporter) =>
                TypedResults.Text(exporter.Scrape(), PrometheusTextWriter.ContentType))
            .Produces<string>(StatusCodes.Status200OK, "text/plain")
            .WithName("GetMetrics")
            .WithSummary("Prometheus text exposition of every capability's instruments.");
    }
}
