namespace Koi.Api;

/// <summary>The body of <c>GET /healthz</c>: the daemon answers HTTP.</summary>
internal sealed record HealthzView(string Status);
