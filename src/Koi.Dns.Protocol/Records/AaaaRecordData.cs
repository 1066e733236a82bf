using System.Net;
using System.Net.Sockets;
using Koi.Dns.Protocol.Wire;

namespace Koi.Dns.Protocol.Records;

/// <summary>An IPv6 address (RFC 3596).</summary>
public sealed record AaaaRecordData : DnsRecordData
{
    public AaaaRecordData(IPAddress address)
    {
        Address = address;
    }

    public override DnsType Type => DnsType.AAAA;

    /// <summary>A private copy of the address given, without its scope id, which has no place on the wire.</summary>
    public IPAddress Address
    {
        get;
        init => field = value is { AddressFamily: AddressFamily.InterNetworkV6 }
            ? new IPAddress(value.GetAddressBytes())
            : throw new ArgumentException("An AAAA record holds an IPv6 address.", nameof(value));
    }

    public override string ToString() => Address.ToString();

    internal override void WriteTo(DnsWireWriter writer)
    {
        Span<byte> bytes = stackalloc byte[16];
        _ = Address.TryWriteBytes(bytes, out _);
        writer.WriteBytes(bytes);
    }

    internal static AaaaRecordData ReadFrom(ref DnsWireReader reader) => new(new IPAddress(reader.ReadBytes(16)));
}
