using Koi.Dns.Protocol.Wire;

namespace Koi.Dns.Protocol.Records;

/// <summary>
/// A mail exchanger (RFC 1035 §3.3.9). Decoded, not kept raw, because its name may be compressed: raw bytes holding a
/// pointer would be wrong once copied into another message.
/// </summary>
public sealed record MxRecordData : DnsRecordData
{
    public MxRecordData(ushort preference, DnsName exchange)
    {
        Preference = preference;
        Exchange = exchange;
    }

    public override DnsType Type => DnsType.MX;

    public ushort Preference { get; init; }

    public DnsName Exchange
    {
        get;
        init => field = value ?? throw new ArgumentNullException(nameof(value));
    }

    public override string ToString() => $"{Preference} {Exchange}";

    internal override void WriteTo(DnsWireWriter writer)
    {
        writer.WriteUInt16(Preference);
        writer.WriteName(Exchange);
    }

    internal static MxRecordData ReadFrom(ref DnsWireReader reader) => new(reader.ReadUInt16(), reader.ReadName());
}
