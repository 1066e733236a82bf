namespace Koi.Dns.Protocol;

/// <summary>
/// Record and question classes (RFC 1035 §3.2.4). Values are 15 bits: on the wire, the top bit of a record's class is
/// mDNS cache-flush and the top bit of a question's class is mDNS unicast-response (RFC 6762 §10.2, §5.4).
/// </summary>
public enum DnsClass : ushort
{
    IN = 1,
    CH = 3,
    HS = 4,
    NONE = 254,
    ANY = 255,
}
