using System.Text.Json.Serialization;
using Koi.Health.Api;
using Koi.Health.Checks;
using Koi.Health.State;
using Koi.Health.Transitions;

namespace Koi.Health;

/// <summary>Every JSON shape of the health capability: its API and events (shared with the CLI) and <c>state/health.json</c>.</summary>
[JsonSourceGenerationOptions(
    GenerationMode = JsonSourceGenerationMode.Metadata,
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(HealthDocument))]
[JsonSerializable(typeof(CheckRequest))]
[JsonSerializable(typeof(CheckDefinition))]
[JsonSerializable(typeof(IReadOnlyList<CheckDefinition>))]
[JsonSerializable(typeof(CheckRemovedView))]
[JsonSerializable(typeof(HealthStatusView))]
[JsonSerializable(typeof(Transition))]
[JsonSerializable(typeof(BaselineEvent))]
[JsonSerializable(typeof(IReadOnlyList<Transition>))]
[JsonSerializable(typeof(List<Transition>))]
[JsonSerializable(typeof(List<CheckDefinition>))]
internal sealed partial class HealthJsonContext : JsonSerializerContext;
