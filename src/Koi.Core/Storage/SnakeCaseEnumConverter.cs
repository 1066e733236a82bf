using System.Text.Json;
using System.Text.Json.Serialization;

namespace Koi.Core.Storage;

/// <summary>
/// An enum on the wire as its snake_case name (<c>SelectOne</c> ↔ <c>"select_one"</c>). Put on the enum itself
/// (<c>[JsonConverter(typeof(SnakeCaseEnumConverter&lt;X&gt;))]</c>) so every context and every options object
/// writes it the same way without reflection.
/// </summary>
public sealed class SnakeCaseEnumConverter<TEnum>() : JsonStringEnumConverter<TEnum>(JsonNamingPolicy.SnakeCaseLower)
    where TEnum : struct, Enum;
