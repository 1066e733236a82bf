using Koi.Dns.Protocol.Wire;

namespace Koi.Dns.Protocol.Records;

/// <summary>A pointer to another name (RFC 1035 §3.3.12); in DNS-SD, from a service type to an instance.</summary>
public sealed record PtrRecordData : DnsRecordData
{
    public PtrRecordData(DnsName domainName)
    {
        DomainName = domainName;
    }

    public override DnsType Type => DnsType.PTR;

    public DnsName DomainName
    {
        get;
        init => field = value ?? throw new ArgumentNullException(nameof(value));
    }

    public override string ToString() => DomainName.ToString();

    internal override void WriteTo(DnsWireWriter writer) => writer.WriteName(DomainName);

    internal static PtrRecordData ReadFrom(ref DnsWireReader reader) => new(reader.ReadName());
}
