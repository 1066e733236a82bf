namespace Koi.Dns.Zone;

/// <summary>A static entry hides a name another source generated too (the static entry wins).</summary>
internal sealed record ShadowedName(string Name, ZoneSource Hidden);
