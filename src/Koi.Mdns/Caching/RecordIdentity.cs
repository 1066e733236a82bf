using Koi.Dns.Protocol;
using Koi.Dns.Protocol.Records;

namespace Koi.Mdns.Caching;

/// <summary>What makes two records "the same record" in mDNS: name, class and rdata; TTL and cache-flush do not count.</summary>
internal readonly record struct RecordIdentity(DnsName Name, DnsClass Class, DnsRecordData Data)
{
    public static RecordIdentity Of(DnsResourceRecord record) => new(record.Name, record.Class, record.Data);

    public static bool Same(DnsResourceRecord a, DnsResourceRecord b) =>
        a.Class == b.Class && a.Type == b.Type && a.Name.Equals(b.Name) && a.Data.Equals(b.Data);
}
