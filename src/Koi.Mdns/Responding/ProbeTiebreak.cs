using Koi.Dns.Protocol;

namespace Koi.Mdns.Responding;

/// <summary>
/// RFC 6762 §8.2: two hosts probing for the same name at once compare their proposed records, sorted by class, type
/// and rdata (uncompressed bytes, unsigned); the first difference decides, and the lexicographically later set wins.
/// A set that is a prefix of the other is earlier. Equal sets are the same data, which is no conflict at all.
/// </summary>
internal static class ProbeTiebreak
{
    /// <summary>Positive when <paramref name="ours"/> wins, negative when it loses, zero when both are identical.</summary>
    public static int Compare(List<DnsResourceRecord> ours, List<DnsResourceRecord> theirs)
    {
        var a = Sorted(ours);
        var b = Sorted(theirs);
        var common = Math.Min(a.Count, b.Count);
        for (var i = 0; i < common; i++)
        {
            var order = CompareRecord(a[i], b[i]);
            if (order != 0)
            {
                return order;
            }
        }

        return a.Count.CompareTo(b.Count);
    }

    private static List<(int Class, int Type, byte[] Rdata)> Sorted(List<DnsResourceRecord> records)
    {
        var keys = new List<(int, int, byte[])>(records.Count);
        foreach (var record in records)
        {
            keys.Add(((int)record.Class, (int)record.Type, record.Data.ToUncompressedRdata()));
        }

        keys.Sort(CompareRecord);
        return keys;
    }

    private static int CompareRecord((int Class, int Type, byte[] Rdata) x, (int Class, int Type, byte[] Rdata) y)
    {
        if (x.Class != y.Class)
        {
            return x.Class.CompareTo(y.Class);
        }

        return x.Type != y.Type ? x.Type.CompareTo(y.Type) : x.Rdata.AsSpan().SequenceCompareTo(y.Rdata);
    }
}
