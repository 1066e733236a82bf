using System.CommandLine;

namespace Koi.Cli;

/// <summary>Options every command accepts.</summary>
internal sealed class GlobalOptions
{
    public Option<bool> Json { get; } = new("--json") { Description = "Print exactly one JSON document (NDJSON for streams)", Recursive = true };

    public Option<string?> Endpoint { get; } = new("--endpoint") { Description = "Daemon URL (default: the local daemon; env KOI_ENDPOINT)", Recursive = true };

    public Option<string?> Token { get; } = new("--token") { Description = "Daemon token for --endpoint (env KOI_TOKEN)", Recursive = true };

    public Option<string?> DataDir { get; } = new("--data-dir") { Description = "Data directory (env KOI_DATA_DIR; default /var/lib/koi as root, ~/.koi otherwise)", Recursive = true };

    public void AddTo(Command root)
    {
        root.Options.Add(Json);
        root.Options.Add(Endpoint);
        root.Options.Add(Token);
        root.Options.Add(DataDir);
    }
}
