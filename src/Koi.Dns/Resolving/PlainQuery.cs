using System.Buffers.Binary;
using Koi.Dns.Protocol;

namespace Koi.Dns.Resolving;

/// <summary>
/// The shape nearly every query has, read in place: one uncompressed question and nothing else but at most one OPT
/// record, whose options are well formed. Anything else is left to <see cref="DnsMessageReader"/>, so what is accepted
/// here is exactly what the full decoder would accept.
/// </summary>
internal readonly ref struct PlainQuery
{
    private const int OptFixedSize = 1 + 2 + 2 + 4 + 2;

    private PlainQuery(ReadOnlySpan<byte> question, int nameLength, DnsType type, ushort wireClass, bool hasEdns, ushort udpPayloadSize, byte ednsVersion)
    {
        Question = question;
        Name = question[..nameLength];
        Type = type;
        WireClass = wireClass;
        HasEdns = hasEdns;
        UdpPayloadSize = udpPayloadSize;
        EdnsVersion = ednsVersion;
    }

    /// <summary>The whole question in wire form: name, type and class.</summary>
    public ReadOnlySpan<byte> Question { get; }

    /// <summary>The question's name in wire form, as the client spelled it.</summary>
    public ReadOnlySpan<byte> Name { get; }

    public DnsType Type { get; }

    public DnsClass Class => (DnsClass)(WireClass & 0x7FFF);

    /// <summary>The top bit of QCLASS, which only mDNS uses.</summary>
    public bool UnicastResponse => (WireClass & 0x8000) != 0;

    public bool HasEdns { get; }

    public ushort UdpPayloadSize { get; }

    public byte EdnsVersion { get; }

    private ushort WireClass { get; }

    public static bool TryRead(ReadOnlySpan<byte> packet, out PlainQuery query)
    {
        query = default;
        if (packet.Length < DnsHeader.Size ||
            BinaryPrimitives.ReadUInt16BigEndian(packet[4..]) != 1 ||
            BinaryPrimitives.ReadUInt16BigEndian(packet[6..]) != 0 ||
            BinaryPrimitives.ReadUInt16BigEndian(packet[8..]) != 0)
        {
            return false;
        }

        var additional = BinaryPrimitives.ReadUInt16BigEndian(packet[10..]);
        var nameLength = DnsWireNames.Length(packet, DnsHeader.Size);
        var position = DnsHeader.Size + nameLength;
        if (additional > 1 || nameLength < 0 || position + 4 > packet.Length)
        {
            return false;
        }

        var question = packet.Slice(DnsHeader.Size, nameLength + 4);
        var type = (DnsType)BinaryPrimitives.ReadUInt16BigEndian(packet[position..]);
        var wireClass = BinaryPrimitives.ReadUInt16BigEndian(packet[(position + 2)..]);
        position += 4;
        if (additional == 0)
        {
            query = new PlainQuery(question, nameLength, type, wireClass, hasEdns: false, 0, 0);
            return true;
        }

        // The one additional record must be an OPT at the root (RFC 6891 §6.1.1).
        if (position + OptFixedSize > packet.Length || packet[position] != 0 ||
            BinaryPrimitives.ReadUInt16BigEndian(packet[(position + 1)..]) != (ushort)DnsType.OPT)
        {
            return false;
        }

        var udpPayloadSize = BinaryPrimitives.ReadUInt16BigEndian(packet[(position + 3)..]);
        var version = packet[position + 6];
        var dataLength = BinaryPrimitives.ReadUInt16BigEndian(packet[(position + 9)..]);
        var data = position + OptFixedSize;
        if (data + dataLength > packet.Length || !OptionsWellFormed(packet.Slice(data, dataLength)))
        {
            return false;
        }

        query = new PlainQuery(question, nameLength, type, wireClass, hasEdns: true, udpPayloadSize, version);
        return true;
    }

    /// <summary>EDNS options are (code, length, data) and must fill the record's data exactly.</summary>
    private static bool OptionsWellFormed(ReadOnlySpan<byte> data)
    {
        var position = 0;
        while (data.Length - position >= 4)
        {
            position += 4 + BinaryPrimitives.ReadUInt16BigEndian(data[(position + 2)..]);
        }

        return position == data.Length;
    }
}
