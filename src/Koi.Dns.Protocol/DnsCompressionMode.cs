namespace Koi.Dns.Protocol;

/// <summary>Which names <see cref="DnsMessageWriter"/> may replace with compression pointers (RFC 1035 §4.1.4).</summary>
public enum DnsCompressionMode
{
    /// <summary>Every name is written in full.</summary>
    None,

    /// <summary>
    /// Owner names and the names inside RFC 1035 rdata (NS, CNAME, SOA, PTR, MX). SRV targets and NSEC next names stay
    /// uncompressed, as RFC 2782 and RFC 4034 require for unicast DNS.
    /// </summary>
    Standard,

    /// <summary>Standard, plus SRV targets and NSEC next names, which RFC 6762 §18.14 allows in Multicast DNS.</summary>
    Multicast,
}
