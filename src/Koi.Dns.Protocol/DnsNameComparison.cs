namespace Koi.Dns.Protocol;

/// <summary>Name comparison in wire form. DNS folds only ASCII letters (RFC 4343); every other byte is compared exactly.</summary>
internal static class DnsNameComparison
{
    public static bool EqualsIgnoreCase(ReadOnlySpan<byte> left, ReadOnlySpan<byte> right)
    {
        if (left.Length != right.Length)
        {
            return false;
        }

        // Length bytes are at most 63, below 'A', so folding them along with the label bytes changes nothing.
        for (var i = 0; i < left.Length; i++)
        {
            if (left[i] != right[i] && ToLower(left[i]) != ToLower(right[i]))
            {
                return false;
            }
        }

        return true;
    }

    public static int GetHashCodeIgnoreCase(ReadOnlySpan<byte> wire)
    {
        Span<byte> folded = stackalloc byte[wire.Length];
        for (var i = 0; i < wire.Length; i++)
        {
            folded[i] = ToLower(wire[i]);
        }

        var hash = default(HashCode);
        hash.AddBytes(folded);
        return hash.ToHashCode();
    }

    private static byte ToLower(byte value) => value is >= (byte)'A' and <= (byte)'Z' ? (byte)(value | 0x20) : value;
}
