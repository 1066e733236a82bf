using System.Diagnostics.Metrics;
using Koi.Core.Metrics;
using Koi.Metrics;
using Microsoft.Extensions.Diagnostics.Metrics;

namespace Koi.Tests.Metrics;

public sealed class ProcessMetricsTests
{
    [Fact]
    public void Scrape_AfterAllocatingAndCollecting_AllocatedBytesAndCollectionsGrow()
    {
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var factory = services.GetRequiredService<IMeterFactory>();
        using var exporter = new PrometheusExporter(factory, () => [new ProcessMetrics(factory)]);
        var first = PrometheusText.Parse(exporter.Scrape());

        var garbage = new byte[8 * 1024 * 1024];
        GC.KeepAlive(garbage);
        GC.Collect(2, GCCollectionMode.Forced, blocking: true);
        var second = PrometheusText.Parse(exporter.Scrape());

        var before = first.Value("koi_process_allocated_bytes_total");
        var after = second.Value("koi_process_allocated_bytes_total");
        // The exported figure is the GC's imprecise count (cheap to read): off by what threads hold in their
        // allocation contexts, a few KiB each.
        Assert.True(after - before >= garbage.Length * 0.9, $"allocated {before} -> {after}");
        foreach (var generation in new[] { "0", "1", "2" })
        {
            Assert.True(second.Value("koi_process_gc_collections_total", ("generation", generation)) >
                        first.Value("koi_process_gc_collections_total", ("generation", generation)), $"gen{generation}");
        }

        Assert.True(second.Value("koi_process_gc_heap_bytes") > 0);
    }
}
