using System.Net;
using System.Net.Sockets;
using Koi.Dns.Protocol.Wire;

namespace Koi.Dns.Protocol.Records;

/// <summary>An IPv4 address (RFC 1035 §3.4.1).</summary>
public sealed record ARecordData : DnsRecordData
{
    public ARecordData(IPAddress address)
    {
        Address = address;
    }

    public override DnsType Type => DnsType.A;

    /// <summary>A private copy of the address given, so later changes to that object cannot reach this record.</summary>
    public IPAddress Address
    {
        get;
        init => field = value is { AddressFamily: AddressFamily.InterNetwork }
            ? new IPAddress(value.GetAddressBytes())
            : throw new ArgumentException("An A record holds an IPv4 address.", nameof(value));
    }

    public override string ToString() => Address.ToString();

    internal override void WriteTo(DnsWireWriter writer)
    {
        Span<byte> bytes = stackalloc byte[4];
        _ = Address.TryWriteBytes(bytes, out _);
        writer.WriteBytes(bytes);
    }

    internal static ARecordData ReadFrom(ref DnsWireReader reader) => new(new IPAddress(reader.ReadBytes(4)));
}
