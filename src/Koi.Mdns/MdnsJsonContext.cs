using System.Text.Json.Serialization;
using Koi.Mdns.Api;

namespace Koi.Mdns;

/// <summary>Every JSON shape of the mDNS capability: its API and SSE events, shared with the CLI.</summary>
[JsonSourceGenerationOptions(
    GenerationMode = JsonSourceGenerationMode.Metadata,
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(AnnounceRequest))]
[JsonSerializable(typeof(AnnounceResponse))]
[JsonSerializable(typeof(ServiceView))]
[JsonSerializable(typeof(List<ServiceView>))]
[JsonSerializable(typeof(MdnsStatusView))]
internal sealed partial class MdnsJsonContext : JsonSerializerContext;
