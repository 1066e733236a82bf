using System.Text.Json;
using System.Text.Json.Serialization;
using Koi.Core.Capabilities;
using Koi.Core.Ceremony;
using Koi.Core.Errors;
using Koi.Core.Events;
using Koi.Core.Status;

namespace Koi.Core;

/// <summary>
/// Koi.Core's JSON shapes (errors, events, ceremonies, status), and the plain values that travel as <c>object</c>
/// (event data, ceremony results, capability summaries). A new shape of this project gets a line here.
/// </summary>
[JsonSourceGenerationOptions(
    GenerationMode = JsonSourceGenerationMode.Metadata,
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(KoiError))]
[JsonSerializable(typeof(KoiEvent))]
[JsonSerializable(typeof(CeremonyRequest))]
[JsonSerializable(typeof(CeremonyResponse))]
[JsonSerializable(typeof(CapabilityStatus))]
[JsonSerializable(typeof(ComponentSnapshot))]
[JsonSerializable(typeof(IReadOnlyList<ComponentSnapshot>))]
[JsonSerializable(typeof(string))]
[JsonSerializable(typeof(bool))]
[JsonSerializable(typeof(int))]
[JsonSerializable(typeof(long))]
[JsonSerializable(typeof(uint))]
[JsonSerializable(typeof(double))]
[JsonSerializable(typeof(int?))]
[JsonSerializable(typeof(long?))]
[JsonSerializable(typeof(double?))]
[JsonSerializable(typeof(bool?))]
[JsonSerializable(typeof(DateTimeOffset))]
[JsonSerializable(typeof(JsonElement))]
[JsonSerializable(typeof(string[]))]
[JsonSerializable(typeof(List<string>))]
[JsonSerializable(typeof(IReadOnlyList<string>))]
[JsonSerializable(typeof(Dictionary<string, string>))]
[JsonSerializable(typeof(Dictionary<string, object>))]
[JsonSerializable(typeof(Dictionary<string, JsonElement>))]
public sealed partial class CoreJsonContext : JsonSerializerContext;
