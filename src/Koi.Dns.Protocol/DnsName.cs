using System.Diagnostics.CodeAnalysis;
using System.Text;

namespace Koi.Dns.Protocol;

/// <summary>
/// A domain name: a sequence of labels, each 1–63 arbitrary bytes, at most 255 bytes in wire form. Equality and hashing
/// ignore ASCII case (RFC 4343); other bytes compare exactly. <see cref="ToString"/> gives the presentation form, where
/// a dot inside a label is written <c>\.</c>, so <c>My App._http._tcp.local</c> has four labels, the first "My App".
/// </summary>
public sealed class DnsName : IEquatable<DnsName>
{
    public const int MaxLength = 255;
    public const int MaxLabelLength = 63;

    // Uncompressed wire form from _offset to the end of the array: length-prefixed labels, then the zero root label.
    // A parent shares the array of its child, so walking up a name allocates no bytes.
    private readonly byte[] _wire;
    private readonly int _offset;
    private int _hashCode; // 0 until first asked for; an int so that racing readers never see half a value
    private DnsName? _parent; // made on first use; racing threads may each make one, all equal

    internal DnsName(byte[] wire, int offset)
    {
        _wire = wire;
        _offset = offset;
    }

    public static DnsName Root { get; } = new([0], 0);

    public bool IsRoot => _wire[_offset] == 0;

    /// <summary>Bytes this name takes on the wire without compression, including the root label.</summary>
    public int WireLength => _wire.Length - _offset;

    public int LabelCount
    {
        get
        {
            var count = 0;
            for (var i = _offset; _wire[i] != 0; i += _wire[i] + 1)
            {
                count++;
            }

            return count;
        }
    }

    /// <summary>The name without its first label.</summary>
    public DnsName Parent => IsRoot
        ? throw new InvalidOperationException("The root name has no parent.")
        : _parent ??= new DnsName(_wire, _offset + _wire[_offset] + 1);

    internal ReadOnlySpan<byte> Wire => _wire.AsSpan(_offset);

    public static DnsName Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var error = DnsNamePresentation.TryParse(text, out var name);
        return name ?? throw new FormatException(error);
    }

    public static bool TryParse([NotNullWhen(true)] string? text, [NotNullWhen(true)] out DnsName? name)
    {
        name = null;
        return text is not null && DnsNamePresentation.TryParse(text, out name) is null;
    }

    /// <summary>The raw bytes of label <paramref name="index"/>, counting from the left.</summary>
    public ReadOnlySpan<byte> GetLabel(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        var position = _offset;
        for (var i = 0; i < index && _wire[position] != 0; i++)
        {
            position += _wire[position] + 1;
        }

        if (_wire[position] == 0)
        {
            throw new ArgumentOutOfRangeException(nameof(index), index, "The name has fewer labels.");
        }

        return _wire.AsSpan(position + 1, _wire[position]);
    }

    /// <summary>A child of this name. The label is taken as-is: dots and backslashes in it are ordinary bytes.</summary>
    public DnsName Prepend(ReadOnlySpan<byte> label)
    {
        if (label.IsEmpty || label.Length > MaxLabelLength)
        {
            throw new ArgumentException($"A DNS label is 1 to {MaxLabelLength} bytes; this one is {label.Length}.", nameof(label));
        }

        var length = 1 + label.Length + WireLength;
        if (length > MaxLength)
        {
            throw new ArgumentException($"The name would be {length} bytes in wire form; at most {MaxLength} are allowed.", nameof(label));
        }

        var wire = new byte[length];
        wire[0] = (byte)label.Length;
        label.CopyTo(wire.AsSpan(1));
        Wire.CopyTo(wire.AsSpan(1 + label.Length));
        return new DnsName(wire, 0);
    }

    /// <inheritdoc cref="Prepend(ReadOnlySpan{byte})"/>
    public DnsName Prepend(string label)
    {
        ArgumentNullException.ThrowIfNull(label);
        return Prepend(Encoding.UTF8.GetBytes(label));
    }

    /// <summary>True when this name equals <paramref name="ancestor"/> or lies below it.</summary>
    public bool IsSubdomainOf(DnsName ancestor)
    {
        ArgumentNullException.ThrowIfNull(ancestor);
        var extraLabels = LabelCount - ancestor.LabelCount;
        if (extraLabels < 0)
        {
            return false;
        }

        var position = _offset;
        for (var i = 0; i < extraLabels; i++)
        {
            position += _wire[position] + 1;
        }

        return DnsNameComparison.EqualsIgnoreCase(_wire.AsSpan(position), ancestor.Wire);
    }

    public override string ToString() => DnsNamePresentation.Format(Wire);

    public bool Equals(DnsName? other) =>
        ReferenceEquals(this, other) || (other is not null && DnsNameComparison.EqualsIgnoreCase(Wire, other.Wire));

    public override bool Equals(object? obj) => Equals(obj as DnsName);

    public override int GetHashCode()
    {
        if (_hashCode == 0)
        {
            _hashCode = HashOfWire(Wire);
        }

        return _hashCode;
    }

    /// <summary>The hash of a name in wire form, equal for a <see cref="DnsName"/> and its wire bytes; never 0.</summary>
    internal static int HashOfWire(ReadOnlySpan<byte> wire)
    {
        var hash = DnsNameComparison.GetHashCodeIgnoreCase(wire);
        return hash == 0 ? 1 : hash;
    }

    public static bool operator ==(DnsName? left, DnsName? right) => left?.Equals(right) ?? right is null;

    public static bool operator !=(DnsName? left, DnsName? right) => !(left == right);
}
