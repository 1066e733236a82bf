using System.Diagnostics.Metrics;
using Koi.Core.Metrics;
using Koi.Metrics;
using Microsoft.Extensions.Diagnostics.Metrics;

namespace Koi.Tests.Metrics;

public sealed class PrometheusExporterTests
{
    [Fact]
    public void Record_HistogramWithPrebuiltTag_AllocatesNothingPerMeasurement()
    {
        using var services = Services();
        var factory = services.GetRequiredService<IMeterFactory>();
        using var exporter = new PrometheusExporter(factory, () => []);
        var histogram = factory.Create(KoiMeters.Dns).CreateHistogram<double>("koi.test.duration", "s");
        var tag = new KeyValuePair<string, object?>("source", "zone");
        histogram.Record(0.001, tag);

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 10_000; i++)
        {
            histogram.Record(0.0002, tag);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        var text = PrometheusText.Parse(exporter.Scrape());
        Assert.Equal(10_001, text.Value("koi_test_duration_seconds_count", ("source", "zone")));
        Assert.Equal(10_000, text.Value("koi_test_duration_seconds_bucket", ("source", "zone"), ("le", "0.00025")));
    }

    [Fact]
    public async Task Record_HistogramFromFourThreadsAtOnce_NoMeasurementLost()
    {
        using var services = Services();
        var factory = services.GetRequiredService<IMeterFactory>();
        using var exporter = new PrometheusExporter(factory, () => []);
        var histogram = factory.Create(KoiMeters.Dns).CreateHistogram<double>("koi.test.duration", "s");
        using var start = new Barrier(4);

        // Histograms are recorded without a lock (every DNS answer records one from its receive thread).
        await Task.WhenAll(Enumerable.Range(0, 4).Select(t => Task.Run(() =>
        {
            var tag = new KeyValuePair<string, object?>("source", t % 2 == 0 ? "zone" : "upstream");
            start.SignalAndWait();
            for (var i = 0; i < 50_000; i++)
            {
                histogram.Record(0.5, tag);
            }
        })));

        var text = PrometheusText.Parse(exporter.Scrape());
        foreach (var source in new[] { "zone", "upstream" })
        {
            Assert.Equal(100_000, text.Value("koi_test_duration_seconds_count", ("source", source)));
            Assert.Equal(100_000, text.Value("koi_test_duration_seconds_bucket", ("source", source), ("le", "0.5")));
            Assert.Equal(50_000, text.Value("koi_test_duration_seconds_sum", ("source", source)));
        }
    }

    [Fact]
    public void Scrape_LabelValueWithQuotesBackslashAndNewline_EscapedAndParsesBack()
    {
        using var services = Services();
        var factory = services.GetRequiredService<IMeterFactory>();
        using var exporter = new PrometheusExporter(factory, () => []);
        const string hostile = "evil\"} 1\nkoi_fake 9 \\";
        factory.Create(KoiMeters.Proxy).CreateCounter<long>("koi.test.hits").Add(3, new KeyValuePair<string, object?>("entry", hostile));

        var text = PrometheusText.Parse(exporter.Scrape());

        Assert.Equal(3, text.Value("koi_test_hits_total", ("entry", hostile)));
        Assert.Empty(text.Named("koi_fake"));
    }

    [Fact]
    public void Scrape_MeterOfAnotherFactoryOrNotKoi_NotExported()
    {
        using var mine = Services();
        using var other = Services();
        using var exporter = new PrometheusExporter(mine.GetRequiredService<IMeterFactory>(), () => []);
        other.GetRequiredService<IMeterFactory>().Create(KoiMeters.Dns).CreateCounter<long>("koi.other.daemon").Add(1);
        mine.GetRequiredService<IMeterFactory>().Create("System.Net.Http").CreateCounter<long>("not.koi").Add(1);

        var text = exporter.Scrape();

        Assert.DoesNotContain("koi_other_daemon", text, StringComparison.Ordinal);
        Assert.DoesNotContain("not_koi", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Scrape_ObservableSeriesGone_DroppedFromNextScrape()
    {
        using var services = Services();
        var factory = services.GetRequiredService<IMeterFactory>();
        using var exporter = new PrometheusExporter(factory, () => []);
        var entries = new List<string> { "grafana", "wiki" };
        factory.Create(KoiMeters.Proxy).CreateObservableGauge("koi.test.open", () => entries.Select(e => new Measurement<int>(1, new KeyValuePair<string, object?>("entry", e))).ToList());

        Assert.Equal(2, PrometheusText.Parse(exporter.Scrape()).Named("koi_test_open").Count());
        entries.Remove("wiki");

        var text = PrometheusText.Parse(exporter.Scrape());
        Assert.Equal(1, text.Value("koi_test_open", ("entry", "grafana")));
        Assert.Null(text.Value("koi_test_open", ("entry", "wiki")));
    }

    private static ServiceProvider Services() => new ServiceCollection().AddMetrics().BuildServiceProvider();
}
