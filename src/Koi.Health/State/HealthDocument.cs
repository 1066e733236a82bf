using Koi.Health.Checks;

namespace Koi.Health.State;

/// <summary>
/// <c>state/health.json</c>: the registered checks and the last state of every check, machine and proxy entry, so a restart
/// neither forgets a check nor logs a transition that did not happen.
/// </summary>
internal sealed record HealthDocument
{
    public int Version { get; init; } = 1;

    public IReadOnlyList<CheckDefinition> Checks { get; init; } = [];

    /// <summary>Last known state per subject; written on transitions only, never per check run.</summary>
    public IReadOnlyList<RememberedState> Services { get; init; } = [];

    public IReadOnlyList<RememberedState> Machines { get; init; } = [];

    /// <summary>Proxy entries by name, as health last decided them from the proxy's facts.</summary>
    public IReadOnlyList<RememberedState> Proxies { get; init; } = [];
}

/// <summary>The state a subject was last in, and since when.</summary>
/// <param name="Label">For checks the last label (<c>200</c>, <c>open</c>, …); for machines and proxies <c>up</c> or <c>down</c>.</param>
/// <param name="LastSeen">Machines only: when mDNS last saw it.</param>
internal sealed record RememberedState(string Name, bool Up, string Label, DateTimeOffset Since, DateTimeOffset? LastSeen = null);
