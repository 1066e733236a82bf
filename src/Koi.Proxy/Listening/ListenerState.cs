using System.Text.Json.Serialization;
using Koi.Core.Storage;

namespace Koi.Proxy.Listening;

[JsonConverter(typeof(SnakeCaseEnumConverter<ListenerState>))]
internal enum ListenerState
{
    Starting,
    Listening,
    Failed,
    Stopped,
}

/// <summary>What a listener is doing and why, since when.</summary>
internal sealed record ListenerStatus(ListenerState State, string? Detail, DateTimeOffset Since);
