using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace Koi.Dns.Protocol;

/// <summary>Name comparison in wire form. DNS folds only ASCII letters (RFC 4343); every other byte is compared exactly.</summary>
internal static class DnsNameComparison
{
    /// <summary>A name in wire form is at most 255 bytes; longer input is still hashed, the slow way.</summary>
    private const int MaxFoldedOnStack = 256;

    private const ulong EveryByte = 0x0101_0101_0101_0101;

    public static bool EqualsIgnoreCase(ReadOnlySpan<byte> left, ReadOnlySpan<byte> right)
    {
        if (left.Length != right.Length)
        {
            return false;
        }

        // Most names are asked as they were written: one vectorised comparison settles it.
        if (left.SequenceEqual(right))
        {
            return true;
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

    /// <summary>
    /// The runtime's string hash (Marvin, seeded per process, so names others send cannot be chosen to collide) of the
    /// name folded to lower case, eight bytes at a time. Equal for names that <see cref="EqualsIgnoreCase"/> finds equal.
    /// </summary>
    public static int GetHashCodeIgnoreCase(ReadOnlySpan<byte> wire)
    {
        if (wire.Length > MaxFoldedOnStack)
        {
            return GetHashCodeIgnoreCaseLong(wire);
        }

        // Whole chars for the string hash: an odd length ends with a zero byte (stackalloc zeroes).
        Span<byte> folded = stackalloc byte[(wire.Length + 1) & ~1];
        var i = 0;
        for (; i + sizeof(ulong) <= wire.Length; i += sizeof(ulong))
        {
            BinaryPrimitives.WriteUInt64LittleEndian(folded[i..], ToLower(BinaryPrimitives.ReadUInt64LittleEndian(wire[i..])));
        }

        for (; i < wire.Length; i++)
        {
            folded[i] = ToLower(wire[i]);
        }

        return string.GetHashCode(MemoryMarshal.Cast<byte, char>(folded));
    }

    private static int GetHashCodeIgnoreCaseLong(ReadOnlySpan<byte> wire)
    {
        var hash = default(HashCode);
        foreach (var value in wire)
        {
            hash.Add(ToLower(value));
        }

        return hash.ToHashCode();
    }

    private static byte ToLower(byte value) => value is >= (byte)'A' and <= (byte)'Z' ? (byte)(value | 0x20) : value;

    /// <summary>
    /// <see cref="ToLower(byte)"/> on eight bytes at once: sets 0x20 in every byte from 'A' to 'Z'. Sums are taken on the
    /// low seven bits of each byte, which never carry into the next; bytes of 0x80 and above are left alone.
    /// </summary>
    private static ulong ToLower(ulong bytes)
    {
        var low = bytes & (0x7F * EveryByte);
        var atLeastA = low + ((0x80 - 'A') * EveryByte);
        var aboveZ = low + ((0x80 - 'Z' - 1) * EveryByte);
        var upper = atLeastA & ~aboveZ & ~bytes & (0x80 * EveryByte);
        return bytes | (upper >> 2);
    }
}
