using Koi.Core.Proxy;

namespace Koi.Health.Proxies;

/// <summary>
/// Up or down for one proxy entry, from what the proxy itself knows (it already checks its backends).
/// Health adds no probe of its own: the proxy connects to the backend for every client and every 10 s while idle.
/// </summary>
internal static class ProxyVerdict
{
    public const string ReasonPrefix = "proxy: ";

    /// <returns>
    /// Up: listening and the backend answered last time. Down: not listening with a problem (port taken, no
    /// certificate, accept died) or the backend refused the last connection. Null: not decided — the listener is
    /// starting or stopping, or no connection to the backend has been tried yet; the previous state stands.
    /// </returns>
    public static (bool? Up, string? Reason) Decide(ProxyEntryFacts facts)
    {
        if (!facts.Listening)
        {
            return facts.Problem is { } problem ? (false, ReasonPrefix + problem) : (null, null);
        }

        return facts.BackendReachable switch
        {
            true => (true, ReasonPrefix + "listening, backend reachable"),
            false => (false, ReasonPrefix + (facts.Problem ?? $"backend {facts.Backend} unreachable")),
            null => (null, null),
        };
    }
}
