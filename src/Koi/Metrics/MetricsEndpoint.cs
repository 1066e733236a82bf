namespace Koi.Metrics;

/// <summary>
/// <c>GET /metrics</c>: every capability's instruments in the Prometheus text format. A management route: loopback
/// only and with the daemon token, which a scraper may send as a bearer credential (docs/api.md#metrics).
/// </summary>
internal static class MetricsEndpoint
{
    public static void Map(WebApplication app)
    {
        app.MapGet("/metrics", (PrometheusExporter exporter) =>
                TypedResults.Text(exporter.Scrape(), PrometheusTextWriter.ContentType))
            .Produces<string>(StatusCodes.Status200OK, "text/plain")
            .WithMetadata(Daemon.BearerTokenEndpoint.Instance)
            .WithName("GetMetrics")
            .WithSummary("Prometheus text exposition of every capability's instruments.");
    }
}
