using Koi.Health.Checks;

namespace Koi.Health.Probes;

/// <summary>Runs one check once. The caller owns the timeout: it cancels <c>cancellationToken</c> when it passes.</summary>
internal interface ICheckProbe
{
    Task<ProbeResult> ProbeAsync(CheckDefinition check, CancellationToken cancellationToken);
}
