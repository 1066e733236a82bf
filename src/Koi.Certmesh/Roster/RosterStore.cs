using System.Text.Json;
using Koi.Core.Storage;

namespace Koi.Certmesh.Roster;

/// <summary>
/// The one writer of <c>roster.json</c>. Changes go through <see cref="Update"/>, which serialises writers, saves
/// atomically and only then publishes the new document to readers; a failed save leaves memory and disk as they were.
/// </summary>
internal sealed class RosterStore(string path)
{
    private readonly Lock _gate = new();
    private RosterDocument? _current;

    public string Path { get; } = path;

    public RosterDocument? Current
    {
        get
        {
            lock (_gate)
            {
                return _current;
            }
        }
    }

    public event EventHandler? Changed;

    public RosterDocument? Load()
    {
        lock (_gate)
        {
            if (!File.Exists(Path))
            {
                _current = null;
                return null;
            }

            var document = JsonSerializer.Deserialize<RosterDocument>(File.ReadAllBytes(Path), KoiJson.Options)
                ?? throw new InvalidDataException($"{Path} is empty");
            if (document.SchemaVersion > RosterDocument.CurrentSchemaVersion)
            {
                throw new InvalidDataException($"{Path} has schema version {document.SchemaVersion}; this koi reads up to {RosterDocument.CurrentSchemaVersion}");
            }

            _current = document;
        }

        Changed?.Invoke(this, EventArgs.Empty);
        return _current;
    }

    public RosterDocument Replace(RosterDocument document) => Update(_ => document);

    public RosterDocument Update(Func<RosterDocument?, RosterDocument> change)
    {
        RosterDocument next;
        lock (_gate)
        {
            next = change(_current);
            AtomicFile.WriteAllBytes(Path, JsonSerializer.SerializeToUtf8Bytes(next, KoiJson.Indented));
            _current = next;
        }

        Changed?.Invoke(this, EventArgs.Empty);
        return next;
    }

    public void Delete()
    {
        lock (_gate)
        {
            File.Delete(Path);
            _current = null;
        }

        Changed?.Invoke(this, EventArgs.Empty);
    }
}
