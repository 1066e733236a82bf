using Koi.Dns.Protocol.Wire;

namespace Koi.Dns.Protocol.Records;

/// <summary>The start of a zone of authority (RFC 1035 §3.3.13).</summary>
public sealed record SoaRecordData : DnsRecordData
{
    public SoaRecordData(
        DnsName primaryNameServer,
        DnsName responsibleMailbox,
        uint serial,
        uint refresh,
        uint retry,
        uint expire,
        uint minimum)
    {
        PrimaryNameServer = primaryNameServer;
        ResponsibleMailbox = responsibleMailbox;
        Serial = serial;
        Refresh = refresh;
        Retry = retry;
        Expire = expire;
        Minimum = minimum;
    }

    public override DnsType Type => DnsType.SOA;

    /// <summary>MNAME.</summary>
    public DnsName PrimaryNameServer
    {
        get;
        init => field = value ?? throw new ArgumentNullException(nameof(value));
    }

    /// <summary>RNAME: the administrator's mailbox, its first label being the local part.</summary>
    public DnsName ResponsibleMailbox
    {
        get;
        init => field = value ?? throw new ArgumentNullException(nameof(value));
    }

    public uint Serial { get; init; }

    public uint Refresh { get; init; }

    public uint Retry { get; init; }

    public uint Expire { get; init; }

    /// <summary>The TTL of negative answers from this zone (RFC 2308).</summary>
    public uint Minimum { get; init; }

    public override string ToString() =>
        $"{PrimaryNameServer} {ResponsibleMailbox} {Serial} {Refresh} {Retry} {Expire} {Minimum}";

    internal override void WriteTo(DnsWireWriter writer)
    {
        writer.WriteName(PrimaryNameServer);
        writer.WriteName(ResponsibleMailbox);
        writer.WriteUInt32(Serial);
        writer.WriteUInt32(Refresh);
        writer.WriteUInt32(Retry);
        writer.WriteUInt32(Expire);
        writer.WriteUInt32(Minimum);
    }

    internal static SoaRecordData ReadFrom(ref DnsWireReader reader) => new(
        reader.ReadName(),
        reader.ReadName(),
        reader.ReadUInt32(),
        reader.ReadUInt32(),
        reader.ReadUInt32(),
        reader.ReadUInt32(),
        reader.ReadUInt32());
}
