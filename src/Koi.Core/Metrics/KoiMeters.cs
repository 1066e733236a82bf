namespace Koi.Core.Metrics;

/// <summary>The meters of koi's capabilities; <c>GET /metrics</c> exports every meter whose name starts with <see cref="Prefix"/>.</summary>
public static class KoiMeters
{
    public const string Prefix = "Koi.";

    public const string Dns = "Koi.Dns";

    public const string Mdns = "Koi.Mdns";

    public const string Certmesh = "Koi.Certmesh";

    public const string Health = "Koi.Health";

    public const string Proxy = "Koi.Proxy";

    /// <summary>The daemon process itself (GC and allocation), not a capability.</summary>
    public const string Process = "Koi.Process";
}
