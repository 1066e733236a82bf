using System.Globalization;
using System.Text.RegularExpressions;

namespace Koi.Tests.Metrics;

/// <summary>
/// A strict reader of the Prometheus text format 0.0.4: every line is a HELP, a TYPE (before its family's samples)
/// or a sample with well-formed labels and a float; anything else fails the test that scraped it.
/// </summary>
internal sealed partial class PrometheusText
{
    private PrometheusText(Dictionary<string, string> types, List<Sample> samples)
    {
        Types = types;
        Samples = samples;
    }

    public IReadOnlyDictionary<string, string> Types { get; }

    public IReadOnlyList<Sample> Samples { get; }

    public static PrometheusText Parse(string text)
    {
        var types = new Dictionary<string, string>(StringComparer.Ordinal);
        var samples = new List<Sample>();
        foreach (var line in text.Split('\n'))
        {
            if (line.Length == 0)
            {
                continue;
            }

            if (line.StartsWith("# HELP ", StringComparison.Ordinal))
            {
                Assert.Matches(HelpLine(), line);
                continue;
            }

            if (line.StartsWith("# TYPE ", StringComparison.Ordinal))
            {
                var type = TypeLine().Match(line);
                Assert.True(type.Success, $"bad TYPE line: {line}");
                Assert.True(types.TryAdd(type.Groups[1].Value, type.Groups[2].Value), $"TYPE given twice: {line}");
                continue;
            }

            var sample = SampleLine().Match(line);
            Assert.True(sample.Success, $"not a sample line: {line}");
            var name = sample.Groups["name"].Value;
            var labels = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (Match label in LabelPair().Matches(sample.Groups["labels"].Value))
            {
                labels[label.Groups[1].Value] = Regex.Unescape(label.Groups[2].Value);
            }

            Assert.True(types.ContainsKey(Family(name, types)), $"sample before its TYPE: {line}");
            samples.Add(new Sample(name, labels, ParseValue(sample.Groups["value"].Value)));
        }

        return new PrometheusText(types, samples);
    }

    public double? Value(string name, params (string Key, string Value)[] labels) =>
        Samples.FirstOrDefault(s => s.Name == name && labels.All(l => s.Labels.GetValueOrDefault(l.Key) == l.Value))?.Value;

    public IEnumerable<Sample> Named(string name) => Samples.Where(s => s.Name == name);

    private static string Family(string name, Dictionary<string, string> types)
    {
        foreach (var suffix in new[] { "_bucket", "_sum", "_count" })
        {
            if (name.EndsWith(suffix, StringComparison.Ordinal) && types.GetValueOrDefault(name[..^suffix.Length]) == "histogram")
            {
                return name[..^suffix.Length];
            }
        }

        return name;
    }

    private static double ParseValue(string text) => text switch
    {
        "+Inf" => double.PositiveInfinity,
        "-Inf" => double.NegativeInfinity,
        "NaN" => double.NaN,
        _ => double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture),
    };

    [GeneratedRegex(@"^# HELP [a-zA-Z_:][a-zA-Z0-9_:]* .*$")]
    private static partial Regex HelpLine();

    [GeneratedRegex(@"^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)$")]
    private static partial Regex TypeLine();

    [GeneratedRegex(@"^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?<labels>([a-zA-Z_][a-zA-Z0-9_]*=""([^""\\\n]|\\\\|\\""|\\n)*"",?)*)\})? (?<value>\S+)$")]
    private static partial Regex SampleLine();

    [GeneratedRegex(@"([a-zA-Z_][a-zA-Z0-9_]*)=""((?:[^""\\]|\\.)*)""")]
    private static partial Regex LabelPair();

    internal sealed record Sample(string Name, IReadOnlyDictionary<string, string> Labels, double Value);
}
