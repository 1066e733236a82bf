using System.Diagnostics.Metrics;
using Koi.Core.Metrics;

namespace Koi.Mdns.Metrics;

/// <summary>mDNS instruments, read from the engine's lock-free packet counts when scraped: nothing per packet.</summary>
internal sealed class MdnsMetrics : IMetricsSource
{
    public MdnsMetrics(IMeterFactory factory, MdnsEngine engine)
    {
        var meter = factory.Create(KoiMeters.Mdns);
        meter.CreateObservableCounter(
            "koi.mdns.packets",
            () =>
            {
                var (received, sent, malformed) = engine.PacketCounts;
                return new Measurement<long>[]
                {
                    new(received, Direction("in")),
                    new(sent, Direction("out")),
                    new(malformed, Direction("in_malformed")),
                };
            },
            "{packet}",
            "mDNS datagrams since the daemon started: in (all received, malformed included), out, in_malformed.");
        meter.CreateObservableGauge(
            "koi.mdns.services.discovered",
            () => engine.Services().Count,
            "{service}",
            "Service instances on the LAN that the engine knows now.");
    }

    private static KeyValuePair<string, object?>[] Direction(string direction) => [new("direction", direction)];
}
