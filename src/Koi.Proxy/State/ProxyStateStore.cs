using System.Text.Json;
using Koi.Core.Storage;

namespace Koi.Proxy.State;

/// <summary>The one writer of <c>state/proxy.json</c>: every save is atomic, loads never half-read.</summary>
internal sealed class ProxyStateStore(string path)
{
    private readonly JsonStateFile<ProxyDocument> _file = new(path, ProxyJsonContext.Default.ProxyDocument);

    public string Path => _file.Path;

    /// <summary>The saved document, or an empty one when there is none. Throws <see cref="InvalidDataException"/> when unreadable.</summary>
    public ProxyDocument Load()
    {
        try
        {
            var document = _file.Load() ?? new ProxyDocument();
            if (document.Version != 1)
            {
                throw new InvalidDataException($"{Path} has version {document.Version}; this koi reads version 1");
            }

            return document;
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"{Path} is not valid proxy state: {ex.Message}", ex);
        }
    }

    public void Save(ProxyDocument document) => _file.Save(document);
}
