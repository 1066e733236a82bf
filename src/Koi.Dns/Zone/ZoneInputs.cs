using System.Net;
using Koi.Core.Discovery;
using Koi.Core.Naming;
using Koi.Dns.Settings;

namespace Koi.Dns.Zone;

/// <summary>Everything a zone snapshot is built from, read from the sources at one moment.</summary>
internal sealed record ZoneInputs
{
    public required string Zone { get; init; }

    public uint Serial { get; init; } = 1;

    public IReadOnlyList<StaticEntry> Static { get; init; } = [];

    public IReadOnlyList<MeshMember> Members { get; init; } = [];

    public string? ScopeDomain { get; init; }

    public IReadOnlyList<DiscoveredService> Services { get; init; } = [];

    public bool ServiceAliases { get; init; } = true;

    /// <summary>Where this resolver can be reached, for the NS name <c>ns.ZONE</c>; loopback ones are left out.</summary>
    public IReadOnlyList<IPAddress> ServerAddresses { get; init; } = [];
}
