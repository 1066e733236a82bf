namespace Koi.Metrics;

/// <summary>
/// One labelled time series of one instrument. The tag values are copied once, when the series first appears;
/// later measurements with equal tags find it by comparison, so a hot path that measures allocates nothing here.
/// </summary>
internal sealed class MetricSeries
{
    private readonly long[] _bucketCounts;
    private long _count;
    private double _sum;

    public MetricSeries(KeyValuePair<string, string>[] tags, int buckets)
    {
        Tags = tags;
        _bucketCounts = new long[buckets];
    }

    public KeyValuePair<string, string>[] Tags { get; }

    /// <summary>Counter total, gauge value (both guarded by the owning instrument's lock), or histogram sum.</summary>
    public double Value => Volatile.Read(ref _sum);

    public long Count => Volatile.Read(ref _count);

    /// <summary>Set by every scrape of an observable instrument; a series not seen in the last scrape is dropped.</summary>
    public bool Observed { get; set; }

    public ReadOnlySpan<long> BucketCounts => _bucketCounts;

    public void Add(double value)
    {
        _sum += value;
        _count++;
    }

    public void Set(double value)
    {
        _sum = value;
        _count = 1;
    }

    /// <summary>
    /// Lock-free, since every DNS answer records here from several receive threads at once. The count goes first, so a
    /// scrape that reads the buckets and then the count never sees more in the buckets than in the count.
    /// </summary>
    public void Record(double value, int bucket)
    {
        Interlocked.Increment(ref _count);
        if (bucket < _bucketCounts.Length)
        {
            Interlocked.Increment(ref _bucketCounts[bucket]);
        }

        var current = Volatile.Read(ref _sum);
        while (true)
        {
            var seen = Interlocked.CompareExchange(ref _sum, current + value, current);
            if (BitConverter.DoubleToInt64Bits(seen) == BitConverter.DoubleToInt64Bits(current))
            {
                return;
            }

            current = seen;
        }
    }

    public bool Matches(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        if (tags.Length != Tags.Length)
        {
            return false;
        }

        for (var i = 0; i < tags.Length; i++)
        {
            if (!string.Equals(tags[i].Key, Tags[i].Key, StringComparison.Ordinal) || !ValueEquals(tags[i].Value, Tags[i].Value))
            {
                return false;
            }
        }

        return true;
    }

    private static bool ValueEquals(object? value, string stored) => value switch
    {
        string text => string.Equals(text, stored, StringComparison.Ordinal),
        null => stored.Length == 0,
        _ => string.Equals(Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture), stored, StringComparison.Ordinal),
    };
}
