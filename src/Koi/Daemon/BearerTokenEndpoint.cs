namespace Koi.Daemon;

/// <summary>Endpoint metadata: the daemon token is also accepted as <c>Authorization: Bearer TOKEN</c> (for scrapers).</summary>
internal sealed class BearerTokenEndpoint
{
    public static BearerTokenEndpoint Instance { get; } = new();
}
