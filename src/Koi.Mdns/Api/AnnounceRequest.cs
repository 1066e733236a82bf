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
internal sealed record AnnounceResponse(
    string Id,
    string Name,
    string Type,
    string FullName,
    string Host,
    int Port,
    int LeaseSecs,
    DateTimeOffset? LeaseExpiresAt);
