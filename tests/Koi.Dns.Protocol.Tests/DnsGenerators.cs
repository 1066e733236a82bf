using System.Net;
using FsCheck;
using FsCheck.Fluent;
using Koi.Dns.Protocol.Records;

namespace Koi.Dns.Protocol.Tests;

/// <summary>FsCheck generators for every part of a message, biased towards what exercises compression and escaping.</summary>
internal static class DnsGenerators
{
    private const string HostnameCharacters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_";

    public static readonly Gen<byte> AnyByte = Gen.Choose(0, 255).Select(i => (byte)i);

    public static readonly Gen<ushort> UInt16 = Gen.Choose(0, ushort.MaxValue).Select(i => (ushort)i);

    public static readonly Gen<uint> UInt32 =
        from high in UInt16
        from low in UInt16
        select ((uint)high << 16) | low;

    public static readonly Gen<byte> LabelByte = Gen.Frequency(
        (8, Gen.Elements(HostnameCharacters.Select(c => (byte)c).ToArray())),
        (1, Gen.Elements((byte)'.', (byte)' ', (byte)'\\', (byte)0, (byte)0xC3, (byte)0xA9)),
        (1, AnyByte));

    public static readonly Gen<byte[]> Label =
        Gen.Frequency((9, Gen.Choose(1, 12)), (1, Gen.Choose(1, DnsName.MaxLabelLength)))
            .SelectMany(length => Gen.ArrayOf(LabelByte, length));

    /// <summary>A few shared suffixes in varying case, so messages repeat names the writer can compress.</summary>
    public static readonly Gen<DnsName> Suffix = Gen.Elements(
        new[] { ".", "local", "LOCAL", "_http._tcp.local", "_HTTP._tcp.Local", "_services._dns-sd._udp.local", "example.com", "1.168.192.in-addr.arpa" }
            .Select(DnsName.Parse)
            .ToArray());

    public static readonly Gen<DnsName> Name =
        from suffix in Suffix
        from labels in Gen.Choose(0, 4).SelectMany(count => Gen.ArrayOf(Label, count))
        select PrependWhileFits(suffix, labels);

    public static readonly Gen<DnsType> AnyType = UInt16.Select(value => (DnsType)value);

    public static readonly Gen<DnsClass> Class = Gen.Frequency(
        (6, Gen.Constant(DnsClass.IN)),
        (1, Gen.Choose(0, 0x7FFF).Select(value => (DnsClass)value)));

    public static readonly Gen<ReadOnlyMemory<byte>> ShortBytes =
        Gen.Choose(0, 24).SelectMany(length => Gen.ArrayOf(AnyByte, length)).Select(bytes => (ReadOnlyMemory<byte>)bytes);

    public static readonly Gen<DnsRecordData> A =
        Gen.ArrayOf(AnyByte, 4).Select(bytes => (DnsRecordData)new ARecordData(new IPAddress(bytes)));

    public static readonly Gen<DnsRecordData> Aaaa =
        Gen.ArrayOf(AnyByte, 16).Select(bytes => (DnsRecordData)new AaaaRecordData(new IPAddress(bytes)));

    public static readonly Gen<DnsRecordData> Ptr = Name.Select(name => (DnsRecordData)new PtrRecordData(name));

    public static readonly Gen<DnsRecordData> Cname = Name.Select(name => (DnsRecordData)new CnameRecordData(name));

    public static readonly Gen<DnsRecordData> Ns = Name.Select(name => (DnsRecordData)new NsRecordData(name));

    public static readonly Gen<DnsRecordData> Mx =
        from preference in UInt16
        from exchange in Name
        select (DnsRecordData)new MxRecordData(preference, exchange);

    public static readonly Gen<DnsRecordData> Srv =
        from priority in UInt16
        from weight in UInt16
        from port in UInt16
        from target in Name
        select (DnsRecordData)new SrvRecordData(priority, weight, port, target);

    public static readonly Gen<DnsRecordData> Soa =
        from primary in Name
        from mailbox in Name
        from numbers in Gen.ArrayOf(UInt32, 5)
        select (DnsRecordData)new SoaRecordData(primary, mailbox, numbers[0], numbers[1], numbers[2], numbers[3], numbers[4]);

    public static readonly Gen<DnsRecordData> Txt =
        Gen.Choose(0, 5)
            .SelectMany(count => Gen.ArrayOf(
                Gen.Frequency((9, Gen.Choose(0, 20)), (1, Gen.Choose(0, TxtRecordData.MaxStringLength)))
                    .SelectMany(length => Gen.ArrayOf(AnyByte, length)),
                count))
            .Select(strings => (DnsRecordData)new TxtRecordData(strings.Select(s => (ReadOnlyMemory<byte>)s)));

    public static readonly Gen<DnsRecordData> Nsec =
        from next in Name
        from types in Gen.Choose(0, 10).SelectMany(count => Gen.ArrayOf(
            Gen.Frequency((4, Gen.Choose(1, 255).Select(value => (DnsType)value)), (1, AnyType)),
            count))
        select (DnsRecordData)new NsecRecordData(next, types);

    public static readonly Gen<DnsRecordData> Unknown =
        from type in AnyType.Where(type => !RecordDataReader.HasDecoder(type))
        from data in Gen.Frequency((4, ShortBytes), (1, Gen.Choose(0, 600).SelectMany(n => Gen.ArrayOf(AnyByte, n)).Select(b => (ReadOnlyMemory<byte>)b)))
        select (DnsRecordData)new UnknownRecordData(type, data);

    public static readonly Gen<DnsRecordData> AnyRecordData =
        Gen.OneOf(A, Aaaa, Ptr, Cname, Ns, Mx, Srv, Soa, Txt, Nsec, Unknown);

    public static readonly Gen<OptRecord> Edns =
        from size in UInt16
        from extendedResponseCode in AnyByte
        from version in AnyByte
        from dnssecOk in Gen.Elements(true, false)
        from options in Gen.Choose(0, 3).SelectMany(count => Gen.ArrayOf(
            from code in UInt16
            from data in ShortBytes
            select new EdnsOption(code, data),
            count))
        select new OptRecord(size)
        {
            ExtendedResponseCode = extendedResponseCode,
            Version = version,
            DnssecOk = dnssecOk,
            Options = options,
        };

    public static readonly Gen<DnsQuestion> Question =
        from name in Name
        from type in Gen.Frequency((3, Gen.Elements(DnsType.ANY, DnsType.PTR, DnsType.SRV, DnsType.A)), (1, AnyType))
        from @class in Class
        from unicastResponse in Gen.Elements(true, false)
        select new DnsQuestion(name, type, @class, unicastResponse);

    public static readonly Gen<DnsHeader> Header =
        from id in UInt16
        from flags in UInt16.Select(bits => (DnsHeaderFlags)(bits & 0x87F0))
        from opcode in Gen.Choose(0, 15)
        from responseCode in Gen.Choose(0, 15)
        select new DnsHeader { Id = id, Flags = flags, Opcode = (DnsOpcode)opcode, ResponseCode = (DnsResponseCode)responseCode };

    public static readonly Gen<DnsCompressionMode> CompressionMode =
        Gen.Elements(DnsCompressionMode.None, DnsCompressionMode.Standard, DnsCompressionMode.Multicast);

    public static Gen<DnsResourceRecord> Record(Gen<DnsRecordData> data) =>
        from name in Name
        from ttl in Gen.Frequency((3, Gen.Elements(0u, 120u, 4500u)), (1, UInt32))
        from rdata in data
        from @class in Class
        from cacheFlush in Gen.Elements(true, false)
        select new DnsResourceRecord(name, ttl, rdata, @class, cacheFlush);

    /// <summary>A message whose records all carry rdata from <paramref name="data"/>, spread over every section.</summary>
    public static Gen<DnsMessage> Message(Gen<DnsRecordData> data) =>
        from header in Header
        from questions in Gen.Choose(0, 3).SelectMany(count => Gen.ArrayOf(Question, count))
        from answers in Gen.Choose(0, 4).SelectMany(count => Gen.ArrayOf(Record(data), count))
        from authorities in Gen.Choose(0, 2).SelectMany(count => Gen.ArrayOf(Record(data), count))
        from additionals in Gen.Choose(0, 3).SelectMany(count => Gen.ArrayOf(Record(data), count))
        from edns in Gen.Frequency((3, Gen.Constant<OptRecord?>(null)), (1, Edns.Select(opt => (OptRecord?)opt)))
        select new DnsMessage
        {
            Header = header,
            Questions = questions,
            Answers = answers,
            Authorities = authorities,
            Additionals = additionals,
            Edns = edns,
        };

    private static DnsName PrependWhileFits(DnsName suffix, byte[][] labels)
    {
        var name = suffix;
        foreach (var label in labels)
        {
            if (name.WireLength + 1 + label.Length <= DnsName.MaxLength)
            {
                name = name.Prepend(label);
            }
        }

        return name;
    }
}
