namespace Koi.Cli.Commands.Health;

// The CLI's view of the /v1/health JSON (docs/health.md). Kept here rather than shared with Koi.Health: the CLI is a
// client of the HTTP API like any script, and reads only the fields it shows.
internal sealed record HealthStatus(
    DateTimeOffset Now,
    double MachineDownAfterSecs,
    IReadOnlyList<HealthMachine> Machines,
    IReadOnlyList<HealthServiceState> Services,
    IReadOnlyList<HealthProxy>? Proxies,
    string? Problem);

internal sealed record HealthMachine(
    string Name,
    string State,
    DateTimeOffset? LastSeen,
    DateTimeOffset? Since,
    bool Member,
    IReadOnlyList<string> Addresses,
    HealthCert? Cert,
    HealthDns? Dns);

internal sealed record HealthCert(int DaysRemaining, DateTimeOffset NotAfter, bool ChainValid, string? Problem, string? Warning = null, bool Revoked = false);

internal sealed record HealthDns(IReadOnlyList<string> Names, bool Resolves, string? Problem);

internal sealed record HealthServiceState(
    string Name,
    string Kind,
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

internal sealed record HealthProxy(
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

internal sealed record HealthCheck(string Name, string Kind, string Target, double IntervalSecs, double TimeoutSecs, DateTimeOffset AddedAt);

internal sealed record HealthCheckBody(string Name, string? Http, string? Tcp, string? Interval, string? Timeout);

internal sealed record HealthCheckRemoved(string Name, bool Removed);

internal sealed record HealthTransition(DateTimeOffset At, string Subject, string? Kind, string From, string To, bool Up, string Reason);
