namespace Koi.Proxy.Api;

/// <summary>An entry as configured (<c>GET /v1/proxy/entries</c>).</summary>
/// <param name="Listen"><c>:8443</c> (every address) or <c>127.0.0.1:8443</c>.</param>
/// <param name="CertPath">The directory its certificate is read from, default or <c>--cert-path</c>.</param>
internal sealed record ProxyEntryView(
    string Name,
    string Listen,
    int ListenPort,
    string? ListenAddress,
    string Backend,
    bool BackendRemote,
    string CertPath,
    bool CertPathDefault,
    DateTimeOffset AddedAt,
    bool Http2,
    string Clients);

/// <summary><c>GET /v1/proxy/status</c>: every entry with its live state.</summary>
/// <param name="Hostname">The host name whose certmesh directory entries default to (<c>certs/&lt;hostname&gt;/</c>).</param>
/// <param name="Problem">Why entries cannot be changed (unreadable state file); null when they can.</param>
internal sealed record ProxyStatusView(DateTimeOffset Now, string Hostname, string? Problem, IReadOnlyList<ProxyEntryStatusView> Entries);

/// <param name="State"><c>starting</c>, <c>listening</c>, <c>failed</c> or <c>stopped</c>.</param>
/// <param name="Detail">For <c>failed</c> the reason, e.g. <c>cannot listen on :8443: address already in use</c>.</param>
/// <param name="BackendState"><c>unknown</c> (not tried yet), <c>reachable</c> or <c>unreachable</c>.</param>
/// <param name="BytesIn">Decrypted bytes forwarded from clients to the backend.</param>
/// <param name="BytesOut">Bytes forwarded from the backend to clients.</param>
/// <param name="BackendFailures">Client connections closed because the backend could not be reached.</param>
/// <param name="Rejected">Client connections closed at once: the entry, or the client's source, had its maximum open.</param>
/// <param name="Evicted">Connections closed before their TLS handshake to make room for a new client.</param>
/// <param name="Clients"><c>any</c>, or <c>mesh</c> (only active mesh members' certificates are admitted).</param>
/// <param name="ClientsRefused">Handshakes refused under <c>mesh</c>: no certificate, a foreign one, or a revoked one.</param>
/// <param name="Url">What a user should type: <c>https://grafana.lan/</c> on port 443, else with <c>:PORT</c>; the
/// machine's own name for an entry with <c>no_alias</c>.</param>
/// <param name="Green">Listening and every one of <paramref name="Checks"/> passed.</param>
/// <param name="Checks"><c>name_resolves</c>, <c>certificate_names_it</c>, <c>certificate_valid</c>, <c>backend_up</c>.</param>
/// <param name="Names">The names that reach the entry by SNI on a shared port.</param>
/// <param name="Announced">The mDNS service type the entry is announced as; null when it is not (no_alias, or announcing failed).</param>
/// <param name="RefusedNames">Names of the entry the mesh CA refused to put on this machine's certificate, with why.</param>
internal sealed record ProxyEntryStatusView(
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
    long Evicted,
    CertificateView Certificate,
    string? LastError,
    DateTimeOffset? LastErrorAt,
    string Clients,
    long ClientsRefused,
    string Url,
    bool Green,
    IReadOnlyList<ProxyCheckView> Checks,
    IReadOnlyList<string> Names,
    string? Announced,
    IReadOnlyList<RefusedNameView> RefusedNames);

/// <summary>One thing that must hold for the entry's URL to work from a browser.</summary>
/// <param name="Detail">What was found, for people.</param>
internal sealed record ProxyCheckView(string Name, bool Ok, string Detail);

/// <summary>A name the mesh CA would not put on this machine's certificate (e.g. held by another member).</summary>
internal sealed record RefusedNameView(string Name, string? Reason);

/// <summary>The certificate an entry presents to new clients (never its key).</summary>
/// <param name="Problem">Why the files on disk are not what is served (missing, key mismatch …); null when they are.</param>
internal sealed record CertificateView(
    string Path,
    string? Subject,
    string? Serial,
    DateTimeOffset? NotAfter,
    int? DaysRemaining,
    IReadOnlyList<string> Names,
    DateTimeOffset? LoadedAt,
    string? Problem);

/// <summary>The answer to <c>DELETE /v1/proxy/entries/{name}</c>.</summary>
internal sealed record ProxyEntryRemovedView(string Name, bool Removed);
