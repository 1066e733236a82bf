using Koi.Dns.Protocol;

namespace Koi.Mdns.Caching;

/// <summary>Records (or questions) of one name and type.</summary>
internal readonly record struct NameTypeKey(DnsName Name, DnsType Type);
