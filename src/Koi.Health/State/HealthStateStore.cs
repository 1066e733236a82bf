using System.Text.Json;
using Koi.Core.Storage;

namespace Koi.Health.State;

/// <summary>The one writer of <c>state/health.json</c>: every save is atomic, loads never half-read.</summary>
internal sealed class HealthStateStore(string path)
{
    private readonly JsonStateFile<HealthDocument> _file = new(path, HealthJsonContext.Default.HealthDocument);

    public string Path => _file.Path;

    /// <summary>The saved document, or an empty one when there is none. Throws <see cref="InvalidDataException"/> when corrupt.</summary>
    public HealthDocument Load()
    {
        try
        {
            return _file.Load() ?? new HealthDocument();
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"{Path} is not valid health state: {ex.Message}", ex);
        }
    }

    public void Save(HealthDocument document) => _file.Save(document);
}
