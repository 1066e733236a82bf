using System.Text.Json;
using Koi.Core.Storage;

namespace Koi.Dns.Settings;

/// <summary>
/// The one writer of <c>state/dns.json</c>. Readers get the last state from memory; every change is saved atomically
/// before it becomes visible, so a crash never leaves a half-applied change.
/// </summary>
internal sealed class DnsStateStore
{
    private readonly JsonStateFile<DnsState> _file;
    private readonly Lock _gate = new();
    private DnsState _current = new();

    public DnsStateStore(string path)
    {
        _file = new JsonStateFile<DnsState>(path, DnsJsonContext.Default.DnsState);
    }

    public string Path => _file.Path;

    public DnsState Current => Volatile.Read(ref _current);

    /// <summary>Reads the file; a missing file is the default state. Throws <see cref="InvalidDataException"/> when corrupt.</summary>
    public DnsState Load()
    {
        lock (_gate)
        {
            DnsState? loaded;
            try
            {
                loaded = _file.Load();
            }
            catch (JsonException ex)
            {
                throw new InvalidDataException($"{Path} is not valid DNS state: {ex.Message}", ex);
            }

            Volatile.Write(ref _current, loaded ?? new DnsState());
            return _current;
        }
    }

    /// <summary>Applies <paramref name="change"/> to the current state, saves it, then publishes it.</summary>
    public DnsState Update(Func<DnsState, DnsState> change)
    {
        lock (_gate)
        {
            var next = change(_current);
            if (!ReferenceEquals(next, _current))
            {
                _file.Save(next);
                Volatile.Write(ref _current, next);
            }

            return next;
        }
    }
}
