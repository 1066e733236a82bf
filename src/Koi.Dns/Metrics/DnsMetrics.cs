using System.Diagnostics.Metrics;
using Koi.Core.Metrics;
using Koi.Dns.Hosting;

namespace Koi.Dns.Metrics;

/// <summary>
/// DNS instruments. Query counts are read from the listeners' lock-free counters when scraped, so the query path pays
/// nothing for them; only the latency histogram is measured per query, with a tag built once.
/// </summary>
internal sealed class DnsMetrics : IMetricsSource
{
    public DnsMetrics(IMeterFactory factory, DnsService service)
    {
        var meter = factory.Create(KoiMeters.Dns);
        var counters = service.Counters;
        meter.CreateObservableCounter(
            "koi.dns.queries",
            () => new Measurement<long>[]
            {
                new(counters.Answered, Result("answered")),
                new(counters.Forwarded, Result("forwarded")),
                new(counters.Refused, Result("refused")),
                new(counters.RateLimited, Result("rate_limited")),
                new(counters.Malformed, Result("malformed")),
                new(counters.UpstreamFailures, Result("upstream_failure")),
            },
            "{query}",
            "DNS queries since the daemon started, by what happened to them.");
        counters.Duration = meter.CreateHistogram<double>(
            "koi.dns.query.duration",
            "s",
            "Time from a query's arrival to its answer; source=zone for koi's names, upstream for forwarded ones.");
        meter.CreateObservableGauge(
            "koi.dns.serving",
            () => service.Status().Serving ? 1 : 0,
            null,
            "1 while the DNS server answers on at least one listener.");
    }

    private static KeyValuePair<string, object?>[] Result(string result) => [new("result", result)];
}
