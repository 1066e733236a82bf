using Koi.Dns.Protocol.Records;

namespace Koi.Dns.Protocol;

/// <summary>
/// A resource record (RFC 1035 §4.1.3): owner name, class, TTL and typed rdata; the type follows from <see cref="Data"/>.
/// Records are values: <c>record with { Ttl = 0 }</c> is the goodbye of <c>record</c>.
/// </summary>
public sealed record DnsResourceRecord
{
    public DnsResourceRecord(DnsName name, uint ttl, DnsRecordData data, DnsClass @class = DnsClass.IN, bool cacheFlush = false)
    {
        Name = name;
        Ttl = ttl;
        Data = data;
        Class = @class;
        CacheFlush = cacheFlush;
    }

    public DnsName Name
    {
        get;
        init => field = value ?? throw new ArgumentNullException(nameof(value));
    }

    public DnsType Type => Data.Type;

    /// <summary>The 15-bit class; the wire's top bit is <see cref="CacheFlush"/>.</summary>
    public DnsClass Class
    {
        get;
        init => field = DnsClassBits.Require15Bits(value);
    }

    /// <summary>mDNS: this record replaces, rather than adds to, cached records of the same name, type and class (RFC 6762 §10.2).</summary>
    public bool CacheFlush { get; init; }

    /// <summary>Seconds the record may be cached.</summary>
    public uint Ttl { get; init; }

    public DnsRecordData Data
    {
        get;
        init => field = value ?? throw new ArgumentNullException(nameof(value));
    }
}
