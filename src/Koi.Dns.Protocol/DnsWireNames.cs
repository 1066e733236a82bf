namespace Koi.Dns.Protocol;

/// <summary>
/// Names read in place from a packet, uncompressed, without making <see cref="DnsName"/>s: for hot paths that only need
/// to compare or look a name up (a query's question). Compressed names are not handled here; callers fall back to
/// <see cref="DnsMessageReader"/>.
/// </summary>
public static class DnsWireNames
{
    /// <summary>
    /// The length of the uncompressed name at <paramref name="offset"/> (labels of 1–63 bytes, the root label, at most
    /// 255 bytes), or -1 when there is none: a compression pointer, a reserved label type, too long, or cut off.
    /// </summary>
    public static int Length(ReadOnlySpan<byte> packet, int offset)
    {
        var position = offset;
        while (position < packet.Length && position - offset < DnsName.MaxLength)
        {
            var label = packet[position];
            if (label == 0)
            {
                return position + 1 - offset;
            }

            if (label > DnsName.MaxLabelLength)
            {
                return -1;
            }

            position += 1 + label;
        }

        return -1;
    }

    /// <summary>True when <paramref name="wire"/> (a whole name, as <see cref="Length"/> found it) is <paramref name="ancestor"/> or below it.</summary>
    public static bool IsAtOrBelow(ReadOnlySpan<byte> wire, DnsName ancestor)
    {
        ArgumentNullException.ThrowIfNull(ancestor);
        var suffix = ancestor.Wire;
        var position = 0;
        while (wire.Length - position > suffix.Length)
        {
            position += wire[position] + 1;
        }

        return wire.Length - position == suffix.Length && DnsNameComparison.EqualsIgnoreCase(wire[position..], suffix);
    }

    /// <summary>True when <paramref name="wire"/> is <paramref name="name"/> byte for byte, letter case included.</summary>
    public static bool IsSpelledAs(ReadOnlySpan<byte> wire, DnsName name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return wire.SequenceEqual(name.Wire);
    }
}
