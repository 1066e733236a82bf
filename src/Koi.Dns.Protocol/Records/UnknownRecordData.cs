using Koi.Dns.Protocol.Wire;

namespace Koi.Dns.Protocol.Records;

/// <summary>
/// Rdata of a type this codec does not decode, kept as the raw bytes (RFC 3597). Types that have a decoder are refused,
/// so that every record has exactly one representation.
/// </summary>
public sealed record UnknownRecordData : DnsRecordData
{
    private readonly ReadOnlyMemory<byte> _data;

    /// <summary>Copies <paramref name="data"/>.</summary>
    public UnknownRecordData(DnsType type, ReadOnlyMemory<byte> data)
        : this(type, ByteSequences.Copy(data))
    {
        if (RecordDataReader.HasDecoder(type))
        {
            throw new ArgumentException($"{type} records have their own rdata type.", nameof(type));
        }

        if (data.Length > ushort.MaxValue)
        {
            throw new ArgumentException($"Rdata is at most {ushort.MaxValue} bytes.", nameof(data));
        }
    }

    private UnknownRecordData(DnsType type, byte[] data)
    {
        Type = type;
        _data = data;
    }

    public override DnsType Type { get; }

    public ReadOnlyMemory<byte> Data => _data;

    public bool Equals(UnknownRecordData? other) =>
        ReferenceEquals(this, other) || (other is not null && Type == other.Type && ByteSequences.Equal(_data, other._data));

    public override int GetHashCode()
    {
        var hash = default(HashCode);
        hash.Add(Type);
        ByteSequences.AddTo(ref hash, _data);
        return hash.ToHashCode();
    }

    /// <summary>The generic presentation form of RFC 3597 §5: <c>\# length hex</c>.</summary>
    public override string ToString() => $"\\# {_data.Length} {Convert.ToHexString(_data.Span)}";

    internal override void WriteTo(DnsWireWriter writer) => writer.WriteBytes(_data.Span);

    internal static UnknownRecordData ReadFrom(ref DnsWireReader reader, DnsType type, int length) =>
        new(type, reader.ReadBytes(length).ToArray());
}
