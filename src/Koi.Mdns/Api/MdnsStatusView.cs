namespace Koi.Mdns.Api;

/// <summary>The body of <c>GET /v1/mdns/status</c>.</summary>
/// <param name="Leases">Registrations kept alive by a client's heartbeat (<c>koi mdns announce</c> in the foreground).</param>
internal sealed record MdnsStatusView(MdnsStats Stats, IReadOnlyList<MdnsRegistration> Registrations, int Leases);
