using Koi.Health.Checks;

namespace Koi.Health.Monitoring;

/// <summary>The live state of one check; only <see cref="HealthMonitor"/> changes it, under its lock.</summary>
internal sealed class ServiceState(CheckDefinition definition)
{
    public CheckDefinition Definition { get; } = definition;

    /// <summary>Null until the first result (or a remembered one) is known.</summary>
    public bool? Up { get; set; }

    public string? Label { get; set; }

    public string? Detail { get; set; }

    public DateTimeOffset? CheckedAt { get; set; }

    public DateTimeOffset? Since { get; set; }

    public TimeSpan? Latency { get; set; }
}
