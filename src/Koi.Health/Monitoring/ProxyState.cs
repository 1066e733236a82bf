namespace Koi.Health.Monitoring;

/// <summary>The live state of one proxy entry as health sees it; only <see cref="HealthMonitor"/> changes it, under its lock.</summary>
internal sealed class ProxyState(string name)
{
    public string Name { get; } = name;

    /// <summary>Null until the proxy's facts decided it once (or a remembered state was loaded).</summary>
    public bool? Up { get; set; }

    public DateTimeOffset? Since { get; set; }

    /// <summary>In the proxy's latest facts; an entry that is not (removed, or the proxy not started yet) is not shown.</summary>
    public bool Present { get; set; }

    public int ListenPort { get; set; }

    public string Backend { get; set; } = "";

    public bool Listening { get; set; }

    public bool? BackendReachable { get; set; }

    public long BackendFailures { get; set; }

    /// <summary>Why it is down right now (the proxy's words); null while up or undecided.</summary>
    public string? Detail { get; set; }

    public DateTimeOffset? CheckedAt { get; set; }
}
