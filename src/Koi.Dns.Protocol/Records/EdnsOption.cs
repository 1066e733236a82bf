namespace Koi.Dns.Protocol.Records;

/// <summary>One option of an OPT record (RFC 6891 §6.1.2), kept as its code and raw data.</summary>
public sealed record EdnsOption
{
    private readonly ReadOnlyMemory<byte> _data;

    /// <summary>Copies <paramref name="data"/>.</summary>
    public EdnsOption(ushort code, ReadOnlyMemory<byte> data)
    {
        if (data.Length > ushort.MaxValue)
        {
            throw new ArgumentException($"Option data is at most {ushort.MaxValue} bytes.", nameof(data));
        }

        Code = code;
        _data = ByteSequences.Copy(data);
    }

    public ushort Code { get; }

    public ReadOnlyMemory<byte> Data => _data;

    public bool Equals(EdnsOption? other) =>
        ReferenceEquals(this, other) || (other is not null && Code == other.Code && ByteSequences.Equal(_data, other._data));

    public override int GetHashCode()
    {
        var hash = default(HashCode);
        hash.Add(Code);
        ByteSequences.AddTo(ref hash, _data);
        return hash.ToHashCode();
    }

    public override string ToString() => $"{Code}:{Convert.ToHexString(_data.Span)}";
}
