using System.Text.Json.Serialization;
using Koi.Proxy.Api;
using Koi.Proxy.Entries;
using Koi.Proxy.State;

namespace Koi.Proxy;

/// <summary>Every JSON shape of the proxy capability: its API and events (shared with the CLI) and <c>state/proxy.json</c>.</summary>
[JsonSourceGenerationOptions(
    GenerationMode = JsonSourceGenerationMode.Metadata,
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ProxyDocument))]
[JsonSerializable(typeof(ProxyEntryRequest))]
[JsonSerializable(typeof(ProxyEntryView))]
[JsonSerializable(typeof(IReadOnlyList<ProxyEntryView>))]
[JsonSerializable(typeof(List<ProxyEntryView>))]
[JsonSerializable(typeof(ProxyStatusView))]
[JsonSerializable(typeof(ProxyEntryStatusView))]
[JsonSerializable(typeof(ProxyEntryRemovedView))]
[JsonSerializable(typeof(ProxyBackendEvent))]
[JsonSerializable(typeof(ProxyCertificateEvent))]
[JsonSerializable(typeof(ProxyListenerFailedEvent))]
[JsonSerializable(typeof(ProxyEntryRemovedEvent))]
internal sealed partial class ProxyJsonContext : JsonSerializerContext;
