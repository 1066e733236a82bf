namespace Koi.Dns.Zone;

/// <summary>
/// TTLs of the zone. Generated names follow machines and services that come and go, so they are short; negative
/// answers are shorter still, so a name that appears is seen quickly (RFC 2308 takes it from the SOA minimum).
/// </summary>
internal static class ZoneTtl
{
    public const uint Static = 300;
    public const uint Certmesh = 300;
    public const uint Mdns = 60;
    public const uint Negative = 30;
    public const uint Server = 3600;
}
