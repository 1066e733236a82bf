using System.Text.Json;
using System.Text.Json.Serialization;
using Koi.Core.Storage;

namespace Koi.Certmesh.Standby;

/// <summary>
/// <c>certmesh/ha.json</c>: this machine's place in a mesh with a standby CA (docs/certmesh.md, "Standby CA"). A CA
/// made by <c>create</c> or <c>restore</c> has no file and is primary under epoch 0. The epoch only grows: each
/// takeover adds one, and a CA that sees a valid primary with a higher epoch stops signing.
/// </summary>
internal sealed record HaState(HaRole Role, long Epoch, DateTimeOffset Since, string? Primary, string? Standby, string? Reason)
{
    public static HaState Initial(DateTimeOffset since) => new(HaRole.Primary, 0, since, null, null, null);
}

/// <summary>Written as <c>"primary"</c> / <c>"standby"</c> (docs/data-layout.md); a file from before, with 0 / 1, still reads.</summary>
[JsonConverter(typeof(SnakeCaseEnumConverter<HaRole>))]
internal enum HaRole
{
    /// <summary>Signs: joins, renewals, bundles.</summary>
    Primary,

    /// <summary>Holds the CA key sealed, follows the primary, signs nothing.</summary>
    Standby,
}

/// <summary>Reads and writes <see cref="HaState"/>; the one writer is whoever changes the role (under the CA gate or the standby's).</summary>
internal sealed class HaStateStore(string path)
{
    private HaState? _current;
    private bool _loaded;

    public string Path => path;

    public HaState? Current
    {
        get
        {
            if (!_loaded)
            {
                _current = File.Exists(path) ? JsonSerializer.Deserialize(File.ReadAllText(path), CertmeshJsonContext.Default.HaState) : null;
                _loaded = true;
            }

            return _current;
        }
    }

    public event EventHandler? Changed;

    public HaState Save(HaState state)
    {
        AtomicFile.WriteAllText(path, KoiJson.ToIndentedString(state, CertmeshJsonContext.Default.HaState));
        _current = state;
        _loaded = true;
        Changed?.Invoke(this, EventArgs.Empty);
        return state;
    }

    public void Delete()
    {
        File.Delete(path);
        _current = null;
        _loaded = true;
        Changed?.Invoke(this, EventArgs.Empty);
    }
}
