using Koi.Dns.Zone;

namespace Koi.Dns.Api;

/// <summary>Body of <c>POST /v1/dns/serve</c>. Absent fields keep their persisted value.</summary>
/// <param name="Upstreams"><c>["system"]</c> returns to the system's resolvers.</param>
/// <param name="Listen"><c>["lan"]</c> returns to the default: private LAN addresses and loopback.</param>
internal sealed record ServeRequest(
    string? Zone = null,
    int? Port = null,
    IReadOnlyList<string>? Upstreams = null,
    IReadOnlyList<string>? Listen = null,
    bool? ServiceAliases = null,
    bool? AllowPublicClients = null,
    int? RateLimitQps = null,
    int? RateLimitBurst = null,
    int? RateLimitSlip = null);

/// <summary>Body of <c>POST /v1/dns/entries</c>.</summary>
internal sealed record EntryRequest(string? Name, string? Address);

internal sealed record EntryAdded(string Name, string Address, bool Created, IReadOnlyList<string> Shadows);

internal sealed record EntryRemoved(string Name, int Removed);

internal sealed record DnsStatusView(
    bool Serving,
    string Zone,
    int Port,
    IReadOnlyList<string> Listen,
    IReadOnlyList<string> Upstreams,
    string UpstreamSource,
    bool ServiceAliases,
    bool AllowPublicClients,
    RateLimitView RateLimit,
    NameCountsView Names,
    IReadOnlyList<ShadowedName> Shadowed,
    CountersView Counters,
    uint Serial,
    bool MdnsSource,
    bool Advertised,
    string? Error);

/// <param name="Slip">0: over the rate is REFUSED; N: every Nth query over the rate gets a truncated reply.</param>
internal sealed record RateLimitView(int Qps, int Burst, int Slip, int TrackedClients);

internal sealed record NameCountsView(int Static, int Certmesh, int Mdns, int Total);

internal sealed record CountersView(long Answered, long Forwarded, long Refused, long RateLimited, long Slipped, long Malformed, long UpstreamFailures);

internal sealed record LookupView(
    string Name,
    string Type,
    string Rcode,
    bool Authoritative,
    string Source,
    string? Upstream,
    IReadOnlyList<AnswerView> Answers);

internal sealed record AnswerView(string Name, string Type, uint Ttl, string Value, string Section);

internal sealed record ZoneExportView(string Zone, uint Serial, IReadOnlyList<ZoneEntry> Entries);
