using Koi.Health.Checks;

namespace Koi.Health.Api;

/// <summary><c>GET /v1/health/status</c>: machines and services as docs/health.md lists them, then the proxied services.</summary>
/// <param name="Now">The daemon's clock, so a client computes "12s ago" without trusting its own.</param>
internal sealed record HealthStatusView(
    DateTimeOffset Now,
    double MachineDownAfterSecs,
    IReadOnlyList<MachineView> Machines,
    IReadOnlyList<ServiceView> Services,
    IReadOnlyList<ProxyView> Proxies,
    string? Problem);

/// <param name="State"><c>up</c>, <c>down</c>, or <c>unknown</c> until presence has been decided.</param>
/// <param name="Member">An active certmesh member.</param>
internal sealed record MachineView(
    string Name,
    string State,
    DateTimeOffset? LastSeen,
    DateTimeOffset? Since,
    bool Member,
    IReadOnlyList<string> Addresses,
    CertificateView? Cert,
    DnsView? Dns);

/// <param name="Warning">Revoked, expired, renewal failing, or within the last third of its lifetime; null when none.</param>
internal sealed record CertificateView(int DaysRemaining, DateTimeOffset NotAfter, bool ChainValid, string? Problem, string? Warning = null, bool Revoked = false);

internal sealed record DnsView(IReadOnlyList<string> Names, bool Resolves, string? Problem);

/// <param name="State"><c>up</c>, <c>down</c>, or <c>unknown</c> before the first result.</param>
/// <param name="Label">What the health table shows: <c>200</c>, <c>502</c>, <c>open</c>, <c>closed</c>, <c>timeout</c>…</param>
/// <param name="Endpoint"><c>host:port</c> of the target.</param>
internal sealed record ServiceView(
    string Name,
    CheckKind Kind,
    string Target,
    string Endpoint,
    string State,
    string? Label,
    string? Detail,
    DateTimeOffset? CheckedAt,
    DateTimeOffset? Since,
    long? LatencyMs,
    double IntervalSecs,
    double TimeoutSecs);

/// <summary>One proxy entry, decided from the proxy's own facts.</summary>
/// <param name="State"><c>up</c> (listening, backend reachable), <c>down</c> (not listening, or backend unreachable), or <c>unknown</c> until decided.</param>
/// <param name="Detail">The proxy's reason while something is wrong: the bind error, the backend's connect error.</param>
/// <param name="BackendReachable">The last connection to the backend (a client's or the proxy's own check) succeeded; null before any.</param>
/// <param name="BackendFailures">Client connections closed because the backend could not be reached, since the daemon started.</param>
/// <param name="CheckedAt">When health last read the proxy's facts.</param>
internal sealed record ProxyView(
    string Name,
    int ListenPort,
    string Backend,
    string State,
    string? Detail,
    bool Listening,
    bool? BackendReachable,
    long BackendFailures,
    DateTimeOffset? CheckedAt,
    DateTimeOffset? Since);

/// <summary>The answer to <c>DELETE /v1/health/checks/{name}</c>.</summary>
internal sealed record CheckRemovedView(string Name, bool Removed);
