namespace Koi.Dns.Zone;

/// <summary>One record of the zone as <c>koi dns list</c> and the zone export show it.</summary>
/// <param name="Name">Fully qualified, no trailing dot.</param>
/// <param name="Type"><c>A</c>, <c>AAAA</c>, <c>SRV</c> or <c>TXT</c>.</param>
/// <param name="Value">Presentation form: an address, <c>priority weight port target</c>, or quoted strings.</param>
internal sealed record ZoneEntry(string Name, string Type, string Value, ZoneSource Source, uint Ttl);
