namespace Koi.Cli.Commands.Dns;

// The CLI's view of the /v1/dns JSON (docs/dns.md). Kept here rather than shared with Koi.Dns: the CLI is a client of
// the HTTP API like any script, and reads only the fields it shows.
internal sealed record DnsStatus(
    bool Serving,
    string Zone,
    int Port,
    IReadOnlyList<string> Listen,
    IReadOnlyList<string> Upstreams,
    string UpstreamSource,
    bool ServiceAliases,
    bool AllowPublicClients,
    DnsRateLimit RateLimit,
    DnsNameCounts Names,
    IReadOnlyList<DnsShadow> Shadowed,
    DnsCounters Counters,
    bool MdnsSource,
    bool Advertised,
    string? Error);

internal sealed record DnsRateLimit(int Qps, int Burst, int Slip, int TrackedClients);

internal sealed record DnsNameCounts(int Static, int Certmesh, int Mdns, int Total);

internal sealed record DnsShadow(string Name, string Hidden);

internal sealed record DnsCounters(long Answered, long Forwarded, long Refused, long RateLimited, long Slipped, long Malformed, long UpstreamFailures);

internal sealed record DnsEntry(string Name, string Type, string Value, string Source, uint Ttl);

internal sealed record DnsEntryAdded(string Name, string Address, bool Created, IReadOnlyList<string> Shadows);

internal sealed record DnsEntryRemoved(string Name, int Removed);

internal sealed record DnsLookup(string Name, string Type, string Rcode, bool Authoritative, string Source, string? Upstream, IReadOnlyList<DnsAnswer> Answers);

internal sealed record DnsAnswer(string Name, string Type, uint Ttl, string Value, string Section);

internal sealed record DnsServeBody(
    string? Zone,
    int? Port,
    IReadOnlyList<string>? Upstreams,
    IReadOnlyList<string>? Listen,
    bool? ServiceAliases,
    bool? AllowPublicClients,
    int? RateLimitQps,
    int? RateLimitBurst,
    int? RateLimitSlip);

internal sealed record DnsEntryBody(string Name, string Address);
