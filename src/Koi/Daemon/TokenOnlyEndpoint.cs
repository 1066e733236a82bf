namespace Koi.Daemon;

/// <summary>Endpoint metadata: only the daemon token opens it, never a dashboard session cookie.</summary>
internal sealed class TokenOnlyEndpoint
{
    public static TokenOnlyEndpoint Instance { get; } = new();
}
