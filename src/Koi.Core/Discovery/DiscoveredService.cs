using System.Net;

namespace Koi.Core.Discovery;

/// <summary>
/// A DNS-SD service instance seen on the local network, as the mDNS capability last knew it.
/// </summary>
/// <param name="Name">The instance label, e.g. <c>My App</c>.</param>
/// <param name="Type">The service type without domain, e.g. <c>_http._tcp</c>.</param>
/// <param name="FullName">Instance, type and domain in presentation form, e.g. <c>My App._http._tcp.local</c>.</param>
/// <param name="Host">The SRV target, e.g. <c>stone-a.local</c>; null until the SRV record is known.</param>
/// <param name="Port">The SRV port; 0 until known.</param>
/// <param name="Addresses">The host's A and AAAA addresses, IPv4 first.</param>
/// <param name="Txt">TXT <c>key=value</c> pairs; a key without <c>=</c> maps to the empty string.</param>
/// <param name="FirstSeen">When the instance was first seen in this run of the engine.</param>
/// <param name="LastSeen">When any of its records (PTR, SRV, TXT) was last received.</param>
/// <param name="IsResolved">Host, port and at least one address are known.</param>
/// <param name="IsStale">The instance said goodbye or its records expired; kept for a while so "last seen" stays answerable.</param>
public sealed record DiscoveredService(
    string Name,
    string Type,
    string FullName,
    string? Host,
    int Port,
    IReadOnlyList<IPAddress> Addresses,
    IReadOnlyDictionary<string, string> Txt,
    DateTimeOffset FirstSeen,
    DateTimeOffset LastSeen,
    bool IsResolved,
    bool IsStale);
