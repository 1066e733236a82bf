using System.Diagnostics.CodeAnalysis;

namespace Koi.Dns.Protocol;

/// <summary>Resource record types (RFC 1035 §3.2.2, §3.2.3 and later RFCs). Any other value is valid on the wire.</summary>
public enum DnsType : ushort
{
    A = 1,
    NS = 2,
    CNAME = 5,
    SOA = 6,

    [SuppressMessage("Naming", "CA1720", Justification = "The RFC 1035 mnemonic, not a pointer type.")]
    PTR = 12,

    MX = 15,
    TXT = 16,
    AAAA = 28,
    SRV = 33,
    OPT = 41,
    NSEC = 47,

    /// <summary>QTYPE "*": a question asking for records of every type.</summary>
    ANY = 255,
}
