using System.Text.Json;
using Koi.Core.Storage;

namespace Koi.Core.Ceremony;

/// <summary>
/// A session's key/value state. Keys beginning with '_' belong to the rules (e.g. a generated secret kept between
/// steps); clients can never set them.
/// </summary>
public sealed class CeremonyBag
{
    public const char InternalPrefix = '_';

    private readonly Dictionary<string, JsonElement> _values = new(StringComparer.Ordinal);

    public IEnumerable<string> Keys => _values.Keys;

    public bool Has(string key) => _values.TryGetValue(key, out var value) && value.ValueKind is not (JsonValueKind.Null or JsonValueKind.Undefined);

    public string? GetString(string key)
    {
        if (!_values.TryGetValue(key, out var value))
        {
            return null;
        }

        return value.ValueKind switch
        {
            JsonValueKind.String => value.GetString(),
            JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False => value.GetRawText(),
            _ => null,
        };
    }

    public IReadOnlyList<string> GetStrings(string key)
    {
        if (!_values.TryGetValue(key, out var value))
        {
            return [];
        }

        if (value.ValueKind == JsonValueKind.Array)
        {
            var list = new List<string>();
            foreach (var item in value.EnumerateArray())
            {
                if (item.ValueKind == JsonValueKind.String && item.GetString() is { } text)
                {
                    list.Add(text);
                }
            }

            return list;
        }

        return GetString(key) is { } single
            ? single.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            : [];
    }

    public void Set(string key, string value) => _values[key] = KoiJson.Element(value);

    public void Set(string key, JsonElement value) => _values[key] = value.Clone();

    public bool Remove(string key) => _values.Remove(key);

    internal static bool IsInternal(string key) => key.Length > 0 && key[0] == InternalPrefix;
}
