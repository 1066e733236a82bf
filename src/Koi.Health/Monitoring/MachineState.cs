using System.Net;

namespace Koi.Health.Monitoring;

/// <summary>The live state of one machine; only <see cref="HealthMonitor"/> changes it, under its lock.</summary>
internal sealed class MachineState(string name)
{
    public string Name { get; } = name;

    /// <summary>Null until presence has been decided once (a machine is given the threshold before it is called down).</summary>
    public bool? Up { get; set; }

    public bool Present { get; set; }

    public bool Member { get; set; }

    public DateTimeOffset? LastSeen { get; set; }

    public DateTimeOffset? Since { get; set; }

    public IReadOnlyList<IPAddress> Addresses { get; set; } = [];
}
