using System.Text.Json;
using System.Text.Json.Serialization;
using Koi.Core.Storage;

namespace Koi.Core.Ceremony;

/// <summary>Inbound wire type: the first request of a session has no id and usually empty data.</summary>
public sealed record CeremonyRequest(string? SessionId, string Ceremony, Dictionary<string, JsonElement>? Data);

/// <summary>Outbound wire type.</summary>
public sealed record CeremonyResponse(
    string SessionId,
    string Ceremony,
    IReadOnlyList<CeremonyPrompt> Prompts,
    IReadOnlyList<CeremonyMessage> Messages,
    bool Complete,
    IReadOnlyDictionary<string, object?>? Result = null);

public sealed record CeremonyPrompt(
    string Key,
    string Prompt,
    InputType InputType,
    bool Required = true,
    IReadOnlyList<PromptOption>? Options = null,
    string? Default = null);

public sealed record PromptOption(string Value, string Label);

public sealed record CeremonyMessage(MessageKind Kind, string Title, string Content);

[JsonConverter(typeof(SnakeCaseEnumConverter<InputType>))]
public enum InputType
{
    SelectOne,
    SelectMany,
    Text,
    Secret,
    SecretConfirm,
    Code,
    Entropy,
    Fido2,
}

[JsonConverter(typeof(SnakeCaseEnumConverter<MessageKind>))]
public enum MessageKind
{
    Info,
    QrCode,
    Summary,
    Error,
}
