namespace Koi.Dns.Protocol;

/// <summary>Value equality for the byte blobs inside rdata; <see cref="ReadOnlyMemory{T}"/> itself compares by reference.</summary>
internal static class ByteSequences
{
    public static bool Equal(ReadOnlyMemory<byte> left, ReadOnlyMemory<byte> right) => left.Span.SequenceEqual(right.Span);

    public static bool Equal(ReadOnlyMemory<byte>[] left, ReadOnlyMemory<byte>[] right)
    {
        if (left.Length != right.Length)
        {
            return false;
        }

        for (var i = 0; i < left.Length; i++)
        {
            if (!Equal(left[i], right[i]))
            {
                return false;
            }
        }

        return true;
    }

    public static void AddTo(ref HashCode hash, ReadOnlyMemory<byte> bytes)
    {
        hash.Add(bytes.Length);
        hash.AddBytes(bytes.Span);
    }

    public static byte[] Copy(ReadOnlyMemory<byte> bytes) => bytes.ToArray();
}
