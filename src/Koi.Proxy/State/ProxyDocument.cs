using Koi.Proxy.Entries;

namespace Koi.Proxy.State;

/// <summary>
/// <c>state/proxy.json</c>: the configured entries, so they come back when the daemon starts. (certmesh's roster has a
/// <c>proxy_entries</c> field; the proxy cannot see certmesh, so it keeps its own file.)
/// </summary>
internal sealed record ProxyDocument
{
    public int Version { get; init; } = 1;

    public IReadOnlyList<ProxyEntry> Entries { get; init; } = [];
}
