using System.Diagnostics.Metrics;
using Koi.Core.Metrics;

namespace Koi.Metrics;

/// <summary>
/// The daemon's own memory behaviour, read from the GC when scraped: how much it allocates, how often it collects and
/// how large the heap is. These are what the idle-RSS and under-load figures in docs/performance.md are made of.
/// </summary>
internal sealed class ProcessMetrics : IMetricsSource
{
    public ProcessMetrics(IMeterFactory factory)
    {
        var meter = factory.Create(KoiMeters.Process);
        meter.CreateObservableCounter(
            "koi.process.allocated",
            static () => GC.GetTotalAllocatedBytes(precise: false),
            "By",
            "Bytes allocated on the managed heap since the daemon started (garbage included).");
        meter.CreateObservableCounter(
            "koi.process.gc.collections",
            static () => new Measurement<long>[]
            {
                new(GC.CollectionCount(0), Generation("0")),
                new(GC.CollectionCount(1), Generation("1")),
                new(GC.CollectionCount(2), Generation("2")),
            },
            "{collection}",
            "Garbage collections since the daemon started, by generation (a gen1 collection also counts in gen0).");
        meter.CreateObservableGauge(
            "koi.process.gc.heap",
            static () => GC.GetGCMemoryInfo().HeapSizeBytes,
            "By",
            "Managed heap size at the last garbage collection (live objects and fragmentation).");
    }

    private static KeyValuePair<string, object?>[] Generation(string generation) => [new("generation", generation)];
}
