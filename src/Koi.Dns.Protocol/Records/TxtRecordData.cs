using System.Text;
using Koi.Dns.Protocol.Wire;

namespace Koi.Dns.Protocol.Records;

/// <summary>
/// Character strings of up to 255 bytes each (RFC 1035 §3.3.14); in DNS-SD, <c>key=value</c> pairs (RFC 6763 §6).
/// There is always at least one string: an empty record is one empty string, a single zero byte on the wire, as
/// RFC 6763 §6.1 requires.
/// </summary>
public sealed record TxtRecordData : DnsRecordData
{
    public const int MaxStringLength = 255;

    private readonly ReadOnlyMemory<byte>[] _strings;

    /// <summary>Copies the strings given.</summary>
    public TxtRecordData(params IEnumerable<ReadOnlyMemory<byte>> strings)
        : this(CopyAndValidate(strings))
    {
    }

    private TxtRecordData(ReadOnlyMemory<byte>[] strings)
    {
        _strings = strings.Length == 0 ? [ReadOnlyMemory<byte>.Empty] : strings;
    }

    public override DnsType Type => DnsType.TXT;

    public IReadOnlyList<ReadOnlyMemory<byte>> Strings => _strings;

    /// <summary>A record of UTF-8 strings, e.g. <c>TxtRecordData.FromStrings("path=/", "v=1")</c>.</summary>
    public static TxtRecordData FromStrings(params IEnumerable<string> strings)
    {
        ArgumentNullException.ThrowIfNull(strings);
        var encoded = new List<ReadOnlyMemory<byte>>();
        foreach (var text in strings)
        {
            encoded.Add(Encoding.UTF8.GetBytes(text));
        }

        return new TxtRecordData(encoded);
    }

    public bool Equals(TxtRecordData? other) =>
        ReferenceEquals(this, other) || (other is not null && ByteSequences.Equal(_strings, other._strings));

    public override int GetHashCode()
    {
        var hash = default(HashCode);
        foreach (var text in _strings)
        {
            ByteSequences.AddTo(ref hash, text);
        }

        return hash.ToHashCode();
    }

    public override string ToString()
    {
        var text = new StringBuilder();
        foreach (var bytes in _strings)
        {
            if (text.Length > 0)
            {
                text.Append(' ');
            }

            text.Append('"').Append(Encoding.UTF8.GetString(bytes.Span).Replace("\"", "\\\"", StringComparison.Ordinal)).Append('"');
        }

        return text.ToString();
    }

    internal override void WriteTo(DnsWireWriter writer)
    {
        foreach (var text in _strings)
        {
            writer.WriteByte((byte)text.Length);
            writer.WriteBytes(text.Span);
        }
    }

    internal static TxtRecordData ReadFrom(ref DnsWireReader reader)
    {
        var strings = new List<ReadOnlyMemory<byte>>();
        while (reader.Remaining > 0)
        {
            var length = reader.ReadByte();
            strings.Add(reader.ReadBytes(length).ToArray());
        }

        return new TxtRecordData(strings.ToArray());
    }

    private static ReadOnlyMemory<byte>[] CopyAndValidate(IEnumerable<ReadOnlyMemory<byte>> strings)
    {
        ArgumentNullException.ThrowIfNull(strings);
        var copies = new List<ReadOnlyMemory<byte>>();
        foreach (var text in strings)
        {
            if (text.Length > MaxStringLength)
            {
                throw new ArgumentException(
                    $"A TXT string is at most {MaxStringLength} bytes; one is {text.Length}.",
                    nameof(strings));
            }

            copies.Add(ByteSequences.Copy(text));
        }

        return copies.ToArray();
    }
}
