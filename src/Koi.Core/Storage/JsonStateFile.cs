using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Koi.Core.Storage;

/// <summary>
/// A JSON state file with one writer: saves go through a lock and <see cref="AtomicFile"/>.
/// </summary>
public sealed class JsonStateFile<T>(string path, JsonTypeInfo<T> info, UnixFileMode mode = AtomicFile.PublicMode)
    where T : class
{
    private readonly Lock _gate = new();

    public string Path { get; } = path;

    public T? Load()
    {
        lock (_gate)
        {
            if (!File.Exists(Path))
            {
                return null;
            }

            using var stream = File.OpenRead(Path);
            return JsonSerializer.Deserialize(stream, info);
        }
    }

    public void Save(T value)
    {
        lock (_gate)
        {
            AtomicFile.WriteAllBytes(Path, KoiJson.ToIndentedUtf8Bytes(value, info), mode);
        }
    }
}
