namespace Koi.Health;

/// <summary>
/// Process-level knobs of the health capability. What users change (the service checks) is not here but in
/// <c>state/health.json</c>, which <c>koi health add</c> and <c>remove</c> maintain.
/// </summary>
public sealed record HealthOptions
{
    /// <summary>A machine no longer present over mDNS is down once it has not been seen for this long (60 s).</summary>
    public TimeSpan MachineDownAfter { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>How often machine presence is re-evaluated from the mDNS registry (reads memory only).</summary>
    public TimeSpan PresenceSweep { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>How often the proxy's entries are re-read (<c>IProxyFacts</c>, memory only) to decide each one up or down.</summary>
    public TimeSpan ProxySweep { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Probes in flight at most; every probe holds its slot for at most its own timeout.</summary>
    public int MaxConcurrentProbes { get; init; } = 32;

    /// <summary>Service checks that may be registered at most.</summary>
    public int MaxChecks { get; init; } = 256;

    /// <summary>Machines remembered at most; beyond it the one seen longest ago is forgotten.</summary>
    public int MaxMachines { get; init; } = 1024;

    /// <summary>Each run waits its interval plus up to this fraction of it, so checks added together drift apart.</summary>
    public double Jitter { get; init; } = 0.1;
}
