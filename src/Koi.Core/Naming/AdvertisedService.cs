namespace Koi.Core.Naming;

/// <summary>A service this machine offers and wants announced on the LAN, e.g. the DNS resolver as <c>_dns._udp</c>.</summary>
/// <param name="Name">The instance label, e.g. <c>koi dns on stone-05</c>.</param>
/// <param name="Type">The service type without domain, e.g. <c>_dns._udp</c>.</param>
/// <param name="Port">1–65535.</param>
/// <param name="Txt">TXT <c>key=value</c> properties; null for none.</param>
public sealed record AdvertisedService(string Name, string Type, int Port, IReadOnlyDictionary<string, string>? Txt = null);
