namespace Koi.Daemon;

/// <summary>
/// Endpoint metadata: answers callers on this machine without the daemon token, and nobody else. Only for reads that
/// reveal nothing secret and that tools without koi's token scrape (Prometheus, OpenAPI generators); the Host filter
/// still keeps DNS-rebinding pages away (docs/api.md).
/// </summary>
internal sealed class LoopbackEndpoint
{
    public static LoopbackEndpoint Instance { get; } = new();
}
