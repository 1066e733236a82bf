namespace Koi.Daemon;

/// <summary>Endpoint metadata: callable from any address without the daemon token (e.g. liveness).</summary>
internal sealed class PublicEndpoint
{
    public static PublicEndpoint Instance { get; } = new();
}

/// <summary>
/// Endpoint metadata: a read this machine's tools make without the token (a Prometheus scrape, the OpenAPI
/// document), still loopback-only and Host-filtered like the management API, so a web page cannot read it either.
/// </summary>
internal sealed class LocalReadEndpoint
{
    public static LocalReadEndpoint Instance { get; } = new();
}
