using Koi.Health.Checks;

namespace Koi.Health.Probes;

/// <summary>Sends each check to the probe of its kind.</summary>
internal sealed class ProbeByKind(ICheckProbe http, ICheckProbe tcp) : ICheckProbe
{
    public Task<ProbeResult> ProbeAsync(CheckDefinition check, CancellationToken cancellationToken) => check.Kind switch
    {
        CheckKind.Http => http.ProbeAsync(check, cancellationToken),
        CheckKind.Tcp => tcp.ProbeAsync(check, cancellationToken),
        _ => throw new ArgumentOutOfRangeException(nameof(check), check.Kind, "unknown check kind"),
    };
}
