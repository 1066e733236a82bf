using Koi.Dns.Protocol.Wire;

namespace Koi.Dns.Protocol.Records;

/// <summary>An authoritative name server for the owner's zone (RFC 1035 §3.3.11).</summary>
public sealed record NsRecordData : DnsRecordData
{
    public NsRecordData(DnsName nameServer)
    {
        NameServer = nameServer;
    }

    public override DnsType Type => DnsType.NS;

    public DnsName NameServer
    {
        get;
        init => field = value ?? throw new ArgumentNullException(nameof(value));
    }

    public override string ToString() => NameServer.ToString();

    internal override void WriteTo(DnsWireWriter writer) => writer.WriteName(NameServer);

    internal static NsRecordData ReadFrom(ref DnsWireReader reader) => new(reader.ReadName());
}
