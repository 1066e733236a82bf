using System.Buffers;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace Koi.Core.Storage;

/// <summary>
/// The one JSON convention of koi's API and state files: snake_case names, nulls left out, enums as snake_case
/// strings (<see cref="SnakeCaseEnumConverter{TEnum}"/> on each enum). Every shape is source-generated: each project
/// has one <see cref="JsonSerializerContext"/> that repeats the convention in its attribute (docs/performance.md,
/// "Native AOT"), and options built here resolve exactly those contexts — never reflection.
/// </summary>
public static class KoiJson
{
    /// <summary>Options over the given contexts, e.g. for the daemon's HTTP API and the CLI.</summary>
    public static JsonSerializerOptions Create(IEnumerable<IJsonTypeInfoResolver> contexts, bool indented = false)
    {
        var options = new JsonSerializerOptions { WriteIndented = indented };
        Apply(options, contexts);
        options.MakeReadOnly();
        return options;
    }

    /// <summary>
    /// Sets the convention on options someone else owns (ASP.NET Core's JSON options) and makes the given contexts
    /// their only resolvers, so a type no context lists fails where it is used instead of falling back to reflection.
    /// </summary>
    public static void Apply(JsonSerializerOptions options, IEnumerable<IJsonTypeInfoResolver> contexts)
    {
        options.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
        options.DictionaryKeyPolicy = null;
        options.DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull;
        options.AllowTrailingCommas = false;
        options.ReadCommentHandling = JsonCommentHandling.Disallow;
        options.TypeInfoResolverChain.Clear();
        foreach (var context in contexts)
        {
            options.TypeInfoResolverChain.Add(context);
        }
    }

    /// <summary>The type's metadata from options made by <see cref="Create"/>; throws if no context lists it.</summary>
    public static JsonTypeInfo<T> Info<T>(this JsonSerializerOptions options) => (JsonTypeInfo<T>)options.GetTypeInfo(typeof(T));

    /// <summary>State files are indented for people who read them; the API stays compact.</summary>
    public static byte[] ToIndentedUtf8Bytes<T>(T value, JsonTypeInfo<T> info)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            JsonSerializer.Serialize(writer, value, info);
        }

        return buffer.WrittenSpan.ToArray();
    }

    public static string ToIndentedString<T>(T value, JsonTypeInfo<T> info) =>
        System.Text.Encoding.UTF8.GetString(ToIndentedUtf8Bytes(value, info));

    /// <summary>An enum value as it is on the wire (<c>SelectOne</c> → <c>select_one</c>), for text output.</summary>
    public static string Name<TEnum>(TEnum value)
        where TEnum : struct, Enum => JsonNamingPolicy.SnakeCaseLower.ConvertName(value.ToString());

    /// <summary>A JSON string value, e.g. a ceremony answer.</summary>
    public static JsonElement Element(string value) => JsonSerializer.SerializeToElement(value, CoreJsonContext.Default.String);

    public static JsonElement Element(IReadOnlyList<string> values) =>
        JsonSerializer.SerializeToElement(values, CoreJsonContext.Default.IReadOnlyListString);
}
