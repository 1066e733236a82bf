using Koi.Dns.Protocol.Wire;

namespace Koi.Dns.Protocol.Records;

/// <summary>Chooses the decoder for a record's rdata by type.</summary>
internal static class RecordDataReader
{
    /// <summary>Types with a typed decoder; <see cref="UnknownRecordData"/> refuses them so each record has one representation.</summary>
    public static bool HasDecoder(DnsType type) => type is DnsType.A or DnsType.AAAA or DnsType.NS or DnsType.CNAME or
        DnsType.SOA or DnsType.PTR or DnsType.MX or DnsType.TXT or DnsType.SRV or DnsType.NSEC or DnsType.OPT;

    /// <summary>Reads exactly <paramref name="length"/> bytes of rdata; OPT never gets here, the message reader lifts it out.</summary>
    public static DnsRecordData Read(ref DnsWireReader reader, DnsType type, int length) => type switch
    {
        DnsType.A => ARecordData.ReadFrom(ref reader),
        DnsType.AAAA => AaaaRecordData.ReadFrom(ref reader),
        DnsType.NS => NsRecordData.ReadFrom(ref reader),
        DnsType.CNAME => CnameRecordData.ReadFrom(ref reader),
        DnsType.SOA => SoaRecordData.ReadFrom(ref reader),
        DnsType.PTR => PtrRecordData.ReadFrom(ref reader),
        DnsType.MX => MxRecordData.ReadFrom(ref reader),
        DnsType.TXT => TxtRecordData.ReadFrom(ref reader),
        DnsType.SRV => SrvRecordData.ReadFrom(ref reader),
        DnsType.NSEC => NsecRecordData.ReadFrom(ref reader),
        _ => UnknownRecordData.ReadFrom(ref reader, type, length),
    };
}
