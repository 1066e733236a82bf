namespace Koi.Core.Proxy;

/// <summary>One proxy entry as other capabilities may see it.</summary>
/// <param name="Name">The entry's name, e.g. <c>grafana</c>.</param>
/// <param name="ListenPort">The TLS port it serves.</param>
/// <param name="Backend">The backend URL, e.g. <c>http://localhost:3000</c>.</param>
/// <param name="Listening">The listener accepts connections right now.</param>
/// <param name="BackendReachable">The last connection to the backend (a client's or the proxy's own probe) succeeded; null before any.</param>
/// <param name="BackendFailures">Client connections closed because the backend could not be reached, since the daemon started.</param>
/// <param name="Problem">Why it is not listening, or why the backend is unreachable; null when all is well.</param>
/// <param name="Since">When the current listening/backend state began.</param>
public sealed record ProxyEntryFacts(
    string Name,
    int ListenPort,
    string Backend,
    bool Listening,
    bool? BackendReachable,
    long BackendFailures,
    string? Problem,
    DateTimeOffset Since);
