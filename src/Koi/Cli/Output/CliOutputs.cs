using Koi.Api;

namespace Koi.Cli.Output;

// Shapes only the CLI prints (--json); what the daemon answers is printed in the capability's own view types.

/// <summary><c>koi version --json</c>.</summary>
internal sealed record VersionOutput(string Version, string Commit, string Built, string Runtime, string Rid);

/// <summary>Bare <c>koi --json</c>: the daemon's status (or why it is unreachable) and the commands.</summary>
internal sealed record CatalogOutput(DaemonStatus? Status, string? DaemonError, IReadOnlyList<CatalogEntry> Commands);

internal sealed record CatalogEntry(string Name, string Description);

/// <summary>One line of <c>koi mdns discover --json</c> (NDJSON).</summary>
internal sealed record MdnsEventOutput(
    string Event,
    string Name,
    string Type,
    string FullName,
    string? Host,
    int Port,
    IReadOnlyList<string> Addresses,
    IReadOnlyDictionary<string, string> Txt);

/// <summary><c>koi mdns announce --json</c>; <c>State</c> <c>waiting</c> means registered but not announced (no interface).</summary>
internal sealed record AnnouncedOutput(string Id, string FullName, string Host, int Port, bool Detached, string State);

/// <summary><c>koi mdns unregister --json</c>.</summary>
internal sealed record UnregisteredOutput(string Id, bool Unregistered);

/// <summary><c>koi certmesh backup --json</c>: where the sealed file went (the passphrase only when koi proposed it).</summary>
internal sealed record BackupWritten(string File, string CaFingerprint, string? ProposedPassphrase);
