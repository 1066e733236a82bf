using Koi.Dns.Protocol.Wire;

namespace Koi.Dns.Protocol.Records;

/// <summary>Where a service runs (RFC 2782); in DNS-SD, the host and port of an instance.</summary>
public sealed record SrvRecordData : DnsRecordData
{
    public SrvRecordData(ushort priority, ushort weight, ushort port, DnsName target)
    {
        Priority = priority;
        Weight = weight;
        Port = port;
        Target = target;
    }

    public override DnsType Type => DnsType.SRV;

    public ushort Priority { get; init; }

    public ushort Weight { get; init; }

    public ushort Port { get; init; }

    public DnsName Target
    {
        get;
        init => field = value ?? throw new ArgumentNullException(nameof(value));
    }

    public override string ToString() => $"{Priority} {Weight} {Port} {Target}";

    internal override void WriteTo(DnsWireWriter writer)
    {
        writer.WriteUInt16(Priority);
        writer.WriteUInt16(Weight);
        writer.WriteUInt16(Port);
        writer.WriteNameCompressibleOnlyInMulticast(Target);
    }

    internal static SrvRecordData ReadFrom(ref DnsWireReader reader) =>
        new(reader.ReadUInt16(), reader.ReadUInt16(), reader.ReadUInt16(), reader.ReadName());
}
