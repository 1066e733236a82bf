using Koi.Core.Errors;

namespace Koi.Health.Monitoring;

/// <summary>
/// What the monitor's parts share: the state of every check, machine and proxy entry, under one lock. Everything but
/// <see cref="Gate"/> and <see cref="StartedAt"/> is read and written under it.
/// </summary>
internal sealed class MonitorState(DateTimeOffset startedAt)
{
    public Lock Gate { get; } = new();

    public Dictionary<string, ServiceState> Services { get; } = new(StringComparer.OrdinalIgnoreCase);

    public Dictionary<string, MachineState> Machines { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, ProxyState> Proxies { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>When the daemon started: the registry and the proxy need a moment to fill after it.</summary>
    public DateTimeOffset StartedAt { get; } = startedAt;

    /// <summary>Why <c>state/health.json</c> must not be written (it could not be read), or null.</summary>
    public string? Unwritable { get; set; }

    public void ThrowIfUnwritable()
    {
        if (Unwritable is not null)
        {
            throw new KoiException(KoiErrorCode.Unavailable, Unwritable);
        }
    }
}
