using Koi.Dns.Protocol.Wire;

namespace Koi.Dns.Protocol.Records;

/// <summary>
/// The next name and the set of types that exist at the owner (RFC 4034 §4). mDNS uses it to say which types a name
/// does not have, with the owner itself as next name (RFC 6762 §6.1). <see cref="Types"/> is sorted and distinct.
/// </summary>
public sealed record NsecRecordData : DnsRecordData
{
    private const int MaxBitmapLength = 32;

    private readonly DnsType[] _types;

    public NsecRecordData(DnsName nextDomainName, params IEnumerable<DnsType> types)
        : this(nextDomainName, Normalize(types))
    {
    }

    private NsecRecordData(DnsName nextDomainName, DnsType[] sortedDistinctTypes)
    {
        NextDomainName = nextDomainName;
        _types = sortedDistinctTypes;
    }

    public override DnsType Type => DnsType.NSEC;

    public DnsName NextDomainName
    {
        get;
        init => field = value ?? throw new ArgumentNullException(nameof(value));
    }

    public IReadOnlyList<DnsType> Types => _types;

    public bool Equals(NsecRecordData? other) =>
        ReferenceEquals(this, other) ||
        (other is not null && NextDomainName == other.NextDomainName && _types.AsSpan().SequenceEqual(other._types));

    public override int GetHashCode()
    {
        var hash = default(HashCode);
        hash.Add(NextDomainName);
        foreach (var type in _types)
        {
            hash.Add(type);
        }

        return hash.ToHashCode();
    }

    public override string ToString() => $"{NextDomainName} {string.Join(' ', _types)}";

    /// <summary>Type bit maps (RFC 4034 §4.1.2): per 256-type window, its number, its bitmap's length, the bitmap.</summary>
    internal override void WriteTo(DnsWireWriter writer)
    {
        writer.WriteNameCompressibleOnlyInMulticast(NextDomainName);
        Span<byte> bitmap = stackalloc byte[MaxBitmapLength];
        var next = 0;
        while (next < _types.Length)
        {
            var window = (int)_types[next] >> 8;
            bitmap.Clear();
            var length = 0;
            for (; next < _types.Length && (int)_types[next] >> 8 == window; next++)
            {
                var low = (int)_types[next] & 0xFF;
                bitmap[low >> 3] |= (byte)(0x80 >> (low & 7));
                length = (low >> 3) + 1;
            }

            writer.WriteByte((byte)window);
            writer.WriteByte((byte)length);
            writer.WriteBytes(bitmap[..length]);
        }
    }

    internal static NsecRecordData ReadFrom(ref DnsWireReader reader)
    {
        var nextDomainName = reader.ReadName();
        var types = new List<DnsType>();
        var previousWindow = -1;
        while (reader.Remaining > 0)
        {
            var windowOffset = reader.Position;
            var window = reader.ReadByte();
            var length = reader.ReadByte();
            if (length > MaxBitmapLength)
            {
                throw new DnsFormatException(DnsFormatError.InvalidRecordData, windowOffset);
            }

            // python-zeroconf writes an empty window 0 before the real one. RFC 4034 forbids empty windows, but the
            // record is still unambiguous, and rejecting it would drop the whole mDNS response it travels in.
            if (length == 0)
            {
                continue;
            }

            if (window <= previousWindow)
            {
                throw new DnsFormatException(DnsFormatError.InvalidRecordData, windowOffset);
            }

            var bitmap = reader.ReadBytes(length);
            for (var i = 0; i < bitmap.Length; i++)
            {
                for (var bit = 0; bit < 8; bit++)
                {
                    if ((bitmap[i] & (0x80 >> bit)) != 0)
                    {
                        types.Add((DnsType)((window << 8) | (i << 3) | bit));
                    }
                }
            }

            previousWindow = window;
        }

        return new NsecRecordData(nextDomainName, types.ToArray());
    }

    private static DnsType[] Normalize(IEnumerable<DnsType> types)
    {
        ArgumentNullException.ThrowIfNull(types);
        var set = new SortedSet<DnsType>(types);
        var array = new DnsType[set.Count];
        set.CopyTo(array);
        return array;
    }
}
