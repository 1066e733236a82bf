using System.Diagnostics.Metrics;
using Koi.Core.Metrics;
using Koi.Proxy.Listening;
using Koi.Proxy.Pumping;

namespace Koi.Proxy.Metrics;

/// <summary>
/// Proxy instruments per entry, read from each listener's lock-free <see cref="EntryCounters"/> when scraped: the
/// byte pump pays nothing for them. An entry that is removed disappears from the next scrape.
/// </summary>
internal sealed class ProxyMetrics : IMetricsSource
{
    public ProxyMetrics(IMeterFactory factory, ProxyService service)
    {
        var meter = factory.Create(KoiMeters.Proxy);
        meter.CreateObservableCounter(
            "koi.proxy.connections",
            () => PerEntry(service, c => c.Accepted),
            "{connection}",
            "Client connections accepted per entry since the daemon started.");
        meter.CreateObservableGauge(
            "koi.proxy.connections.open",
            () => PerEntry(service, c => c.Open),
            "{connection}",
            "Client connections open per entry now.");
        meter.CreateObservableCounter(
            "koi.proxy.transferred",
            () => service.Listeners().SelectMany(l => new Measurement<long>[]
            {
                new(l.Counters.BytesIn, Tags(l, ("direction", "in"))),
                new(l.Counters.BytesOut, Tags(l, ("direction", "out"))),
            }),
            "By",
            "Bytes per entry: in = decrypted from clients to the backend, out = from the backend to clients.");
        meter.CreateObservableCounter(
            "koi.proxy.handshake.failures",
            () => PerEntry(service, c => c.HandshakeFailures),
            "{connection}",
            "TLS handshakes with clients that failed, per entry.");
        meter.CreateObservableCounter(
            "koi.proxy.backend.failures",
            () => PerEntry(service, c => c.BackendFailures),
            "{connection}",
            "Client connections closed because the backend could not be reached, per entry.");
        meter.CreateObservableGauge(
            "koi.proxy.listening",
            () => service.Listeners().Select(l => new Measurement<int>(l.Status.State == ListenerState.Listening ? 1 : 0, Tags(l))),
            null,
            "1 while the entry's listener accepts connections.");
    }

    private static IEnumerable<Measurement<long>> PerEntry(ProxyService service, Func<EntryCounters, long> read) =>
        service.Listeners().Select(l => new Measurement<long>(read(l.Counters), Tags(l)));

    private static KeyValuePair<string, object?>[] Tags(ProxyListener listener, params (string Key, string Value)[] extra)
    {
        var tags = new KeyValuePair<string, object?>[1 + extra.Length];
        tags[0] = new("entry", listener.Entry.Name);
        for (var i = 0; i < extra.Length; i++)
        {
            tags[i + 1] = new(extra[i].Key, extra[i].Value);
        }

        return tags;
    }
}
