namespace Koi.Cli.Commands.Proxy;

// The CLI's view of the /v1/proxy JSON (docs/proxy.md). Kept here rather than shared with Koi.Proxy: the CLI is a
// client of the HTTP API like any script, and reads only the fields it shows.
internal sealed record ProxyEntryBody(string Name, string Listen, string Backend, bool BackendRemote, string? CertPath, bool Http2, string? Clients, bool NoAlias = false);

internal sealed record ProxyEntry(
    string Name,
    string Listen,
    int ListenPort,
    string? ListenAddress,
    string Backend,
    bool BackendRemote,
    string CertPath,
    bool CertPathDefault,
    DateTimeOffset AddedAt);

internal sealed record ProxyEntryRemoved(string Name, bool Removed);

internal sealed record ProxyStatus(DateTimeOffset Now, string Hostname, string? Problem, IReadOnlyList<ProxyEntryStatus> Entries);

internal sealed record ProxyEntryStatus(
    string Name,
    string Listen,
    string Backend,
    bool BackendRemote,
    string State,
    string? Detail,
    DateTimeOffset Since,
    string BackendState,
    string? BackendDetail,
    DateTimeOffset BackendSince,
    long ConnectionsOpen,
    long ConnectionsTotal,
    long BytesIn,
    long BytesOut,
    long HandshakeFailures,
    long BackendFailures,
    long Rejected,
    long IdleClosed,
    ProxyCertificate Certificate,
    string? LastError,
    DateTimeOffset? LastErrorAt,
    string Clients = "any",
    long ClientsRefused = 0,
    string? Url = null,
    bool Green = false,
    IReadOnlyList<ProxyCheck>? Checks = null,
    IReadOnlyList<string>? Names = null,
    string? Announced = null,
    IReadOnlyList<ProxyRefusedName>? RefusedNames = null);

internal sealed record ProxyCheck(string Name, bool Ok, string Detail);

internal sealed record ProxyRefusedName(string Name, string? Reason);

internal sealed record ProxyCertificate(
    string Path,
    string? Subject,
    string? Serial,
    DateTimeOffset? NotAfter,
    int? DaysRemaining,
    IReadOnlyList<string>? Names,
    DateTimeOffset? LoadedAt,
    string? Problem);
