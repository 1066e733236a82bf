namespace Koi.Core.Capabilities;

/// <summary>
/// Endpoint metadata: the route may be called from another machine on the LAN (e.g. certmesh enrollment).
/// Every route without it answers only loopback callers; the daemon refuses and logs anything else.
/// </summary>
public sealed class LanEndpoint
{
    public static LanEndpoint Instance { get; } = new();
}
