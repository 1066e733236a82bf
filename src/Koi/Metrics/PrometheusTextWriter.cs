using System.Globalization;
using System.Text;

namespace Koi.Metrics;

/// <summary>
/// The Prometheus text exposition format, version 0.0.4
/// (https://prometheus.io/docs/instrumenting/exposition_formats/#text-based-format).
/// </summary>
internal sealed class PrometheusTextWriter(StringBuilder text)
{
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    public void WriteFamily(InstrumentAggregate instrument, IReadOnlyList<MetricSeries> series)
    {
        if (series.Count == 0)
        {
            return;
        }

        var name = instrument.Name;
        if (instrument.Instrument.Description is { Length: > 0 } help)
        {
            text.Append("# HELP ").Append(name).Append(' ').Append(EscapeHelp(help)).Append('\n');
        }

        text.Append("# TYPE ").Append(name).Append(' ').Append(TypeName(instrument.Kind)).Append('\n');
        foreach (var s in series)
        {
            if (instrument.Kind == MetricKind.Histogram)
            {
                WriteHistogram(name, instrument.Buckets, s);
            }
            else
            {
                WriteSample(name, s.Tags, null, s.Value);
            }
        }
    }

    private void WriteHistogram(string name, double[] bounds, MetricSeries series)
    {
        var bucketName = name + "_bucket";
        long cumulative = 0;
        var counts = series.BucketCounts;
        for (var i = 0; i < bounds.Length; i++)
        {
            cumulative += counts[i];
            WriteSample(bucketName, series.Tags, Number(bounds[i]), cumulative);
        }

        // Read after the buckets, once: histograms are recorded without a lock, and the count is raised first.
        var count = series.Count;
        WriteSample(bucketName, series.Tags, "+Inf", count);
        WriteSample(name + "_sum", series.Tags, null, series.Value);
        WriteSample(name + "_count", series.Tags, null, count);
    }

    private void WriteSample(string name, KeyValuePair<string, string>[] tags, string? le, double value)
    {
        text.Append(name);
        if (tags.Length > 0 || le is not null)
        {
            text.Append('{');
            var first = true;
            foreach (var (key, labelValue) in tags)
            {
                if (!first)
                {
                    text.Append(',');
                }

                first = false;
                text.Append(LabelName(key)).Append("=\"").Append(EscapeLabel(labelValue)).Append('"');
            }

            if (le is not null)
            {
                text.Append(first ? "" : ",").Append("le=\"").Append(le).Append('"');
            }

            text.Append('}');
        }

        text.Append(' ').Append(Number(value)).Append('\n');
    }

    private static string TypeName(MetricKind kind) => kind switch
    {
        MetricKind.Counter => "counter",
        MetricKind.Histogram => "histogram",
        _ => "gauge",
    };

    private static string Number(double value) => value switch
    {
        double.PositiveInfinity => "+Inf",
        double.NegativeInfinity => "-Inf",
        double.NaN => "NaN",
        _ => value.ToString("R", CultureInfo.InvariantCulture),
    };

    private static string LabelName(string key) => key.Replace('.', '_').Replace('-', '_');

    // Label values may carry anything a peer announced (an mDNS instance name); the format escapes \, " and newline.
    private static string EscapeLabel(string value) =>
        value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);

    private static string EscapeHelp(string value) =>
        value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);
}
