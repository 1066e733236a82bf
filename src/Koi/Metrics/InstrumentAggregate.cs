using System.Diagnostics.Metrics;
using System.Globalization;

namespace Koi.Metrics;

/// <summary>What the exporter keeps of one instrument: its Prometheus name and type, and its series.</summary>
internal sealed class InstrumentAggregate
{
    /// <summary>Bucket bounds for histograms measured in seconds: 50 µs (a zone answer) to 5 s (an upstream timeout).</summary>
    public static readonly double[] SecondsBuckets = [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

    private readonly Lock _lock = new();

    /// <summary>Replaced, never changed in place (under the lock), so a histogram measurement finds its series without it.</summary>
    private MetricSeries[] _series = [];

    public InstrumentAggregate(Instrument instrument)
    {
        Instrument = instrument;
        Kind = KindOf(instrument);
        Name = PrometheusName(instrument, Kind);
        Buckets = Kind == MetricKind.Histogram ? SecondsBuckets : [];
    }

    public Instrument Instrument { get; }

    public MetricKind Kind { get; }

    public string Name { get; }

    public double[] Buckets { get; }

    public bool IsObservable => Instrument.IsObservable;

    public void Measure(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        if (Kind == MetricKind.Histogram)
        {
            // Per DNS answer, from several threads: no lock (MetricSeries.Record is atomic per field).
            (FindExisting(tags) ?? Add(tags)).Record(value, BucketOf(value));
            return;
        }

        lock (_lock)
        {
            var series = FindExisting(tags) ?? Add(tags);
            switch (Kind)
            {
                case MetricKind.Counter when !IsObservable:
                case MetricKind.Gauge when !IsObservable:
                    series.Add(value);
                    break;
                default:
                    // Observable instruments report their current total or value, not an increment.
                    series.Set(value);
                    series.Observed = true;
                    break;
            }
        }
    }

    /// <summary>Before a scrape collects observable instruments: forget which series were seen.</summary>
    public void BeginObservation()
    {
        lock (_lock)
        {
            foreach (var series in _series)
            {
                series.Observed = false;
            }
        }
    }

    /// <summary>After the collection: a member that left, a proxy entry removed, has no series any more.</summary>
    public void EndObservation()
    {
        lock (_lock)
        {
            _series = Array.FindAll(_series, s => s.Observed);
        }
    }

    public void WriteTo(PrometheusTextWriter writer)
    {
        lock (_lock)
        {
            writer.WriteFamily(this, _series);
        }
    }

    private MetricSeries? FindExisting(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        foreach (var existing in Volatile.Read(ref _series))
        {
            if (existing.Matches(tags))
            {
                return existing;
            }
        }

        return null;
    }

    private MetricSeries Add(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        lock (_lock)
        {
            // Another thread may have added it since the caller looked.
            if (FindExisting(tags) is { } existing)
            {
                return existing;
            }

            var copy = new KeyValuePair<string, string>[tags.Length];
            for (var i = 0; i < tags.Length; i++)
            {
                copy[i] = new(tags[i].Key, Convert.ToString(tags[i].Value, CultureInfo.InvariantCulture) ?? "");
            }

            var series = new MetricSeries(copy, Buckets.Length);
            Volatile.Write(ref _series, [.. _series, series]);
            return series;
        }
    }

    private int BucketOf(double value)
    {
        var buckets = Buckets;
        for (var i = 0; i < buckets.Length; i++)
        {
            if (value <= buckets[i])
            {
                return i;
            }
        }

        return buckets.Length;
    }

    private static MetricKind KindOf(Instrument instrument)
    {
        var type = instrument.GetType();
        if (!type.IsGenericType)
        {
            return MetricKind.Gauge;
        }

        var definition = type.GetGenericTypeDefinition();
        if (definition == typeof(Counter<>) || definition == typeof(ObservableCounter<>))
        {
            return MetricKind.Counter;
        }

        return definition == typeof(Histogram<>) ? MetricKind.Histogram : MetricKind.Gauge;
    }

    /// <summary>
    /// OpenMetrics naming: dots become underscores, the unit <c>s</c> becomes a <c>_seconds</c> suffix and counters end
    /// in <c>_total</c> (https://prometheus.io/docs/practices/naming/).
    /// </summary>
    private static string PrometheusName(Instrument instrument, MetricKind kind)
    {
        var name = instrument.Name.Replace('.', '_').Replace('-', '_');
        if (instrument.Unit is "s" && !name.EndsWith("_seconds", StringComparison.Ordinal))
        {
            name += "_seconds";
        }
        else if (instrument.Unit is "By" && !name.EndsWith("_bytes", StringComparison.Ordinal))
        {
            name += "_bytes";
        }

        return kind == MetricKind.Counter && !name.EndsWith("_total", StringComparison.Ordinal) ? name + "_total" : name;
    }
}

internal enum MetricKind
{
    Counter,
    Gauge,
    Histogram,
}
