using Koi.Proxy.Entries;

namespace Koi.Proxy.State;

/// <summary>
/// <c>state/proxy.json</c>: the configured entries, so they come back when the daemon starts. (Seed 001 §9.1 also
/// sketches <c>proxy_entries</c> in certmesh's roster; the proxy cannot see certmesh, so it keeps its own file.)
/// </summary>
internal sealed record ProxyDocument
{
    public int Version { get; init; } = 1;

    public IReadOnlyList<ProxyEntry> Entries { get; init; } = [];
}
