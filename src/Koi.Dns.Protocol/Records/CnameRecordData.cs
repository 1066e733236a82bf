using Koi.Dns.Protocol.Wire;

namespace Koi.Dns.Protocol.Records;

/// <summary>The canonical name of an alias (RFC 1035 §3.3.1).</summary>
public sealed record CnameRecordData : DnsRecordData
{
    public CnameRecordData(DnsName canonicalName)
    {
        CanonicalName = canonicalName;
    }

    public override DnsType Type => DnsType.CNAME;

    public DnsName CanonicalName
    {
        get;
        init => field = value ?? throw new ArgumentNullException(nameof(value));
    }

    public override string ToString() => CanonicalName.ToString();

    internal override void WriteTo(DnsWireWriter writer) => writer.WriteName(CanonicalName);

    internal static CnameRecordData ReadFrom(ref DnsWireReader reader) => new(reader.ReadName());
}
