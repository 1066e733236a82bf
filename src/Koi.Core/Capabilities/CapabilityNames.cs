namespace Koi.Core.Capabilities;

/// <summary>The five capability names, in the order <c>koi status</c> lists them.</summary>
public static class CapabilityNames
{
    public const string Mdns = "mdns";
    public const string Certmesh = "certmesh";
    public const string Dns = "dns";
    public const string Health = "health";
    public const string Proxy = "proxy";

    public static IReadOnlyList<string> All { get; } = [Mdns, Certmesh, Dns, Health, Proxy];
}
