using System.Text.Json.Serialization;
using Koi.Core.Storage;

namespace Koi.Dns.Zone;

/// <summary>Where a name in the zone comes from, highest priority first.</summary>
[JsonConverter(typeof(SnakeCaseEnumConverter<ZoneSource>))]
internal enum ZoneSource
{
    /// <summary><c>koi dns add</c>.</summary>
    Static,

    /// <summary>A certmesh member's host name and SANs.</summary>
    Certmesh,

    /// <summary>Host names, service aliases and SRV records from the mDNS registry.</summary>
    Mdns,

    /// <summary>The zone's own SOA and NS records.</summary>
    Server,
}
