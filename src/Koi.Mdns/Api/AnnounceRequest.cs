namespace Koi.Mdns.Api;

/// <summary>The body of <c>POST /v1/mdns/announce</c>.</summary>
internal sealed record AnnounceRequest(
    string? Name,
    string? Type,
    int? Port,
    Dictionary<string, string>? Txt,
    string? Ip,
    string? Host,
    int? LeaseSecs);

/// <summary>What <c>POST /v1/mdns/announce</c> and the heartbeat return.</summary>
/// <param name="State">
/// The registration's state (<see cref="MdnsRegistration.State"/>): <c>announcing</c> or <c>announced</c> once
/// announcements went out, <c>waiting</c> while no link is open (nothing was sent; it is kept and announced when one
/// appears), <c>probing</c> while a link that came back is being probed.
/// </param>
internal sealed record AnnounceResponse(
    string Id,
    string Name,
    string Type,
    string FullName,
    string Host,
    int Port,
    int LeaseSecs,
    DateTimeOffset? LeaseExpiresAt,
    string State);
