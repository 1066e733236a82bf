namespace Koi.Daemon;

/// <summary>Endpoint metadata: callable from any address without the daemon token (e.g. liveness).</summary>
internal sealed class PublicEndpoint
{
    public static PublicEndpoint Instance { get; } = new();
}

