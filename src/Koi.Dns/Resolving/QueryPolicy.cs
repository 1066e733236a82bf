using Koi.Dns.Safety;

namespace Koi.Dns.Resolving;

/// <summary>Who may ask and how often, fixed for one run of the resolver.</summary>
/// <param name="Limiter">Null: no rate limit (koi asking itself).</param>
internal sealed record QueryPolicy(bool AllowPublicClients, ClientRateLimiter? Limiter)
{
    public static QueryPolicy Internal { get; } = new(AllowPublicClients: true, Limiter: null);
}
