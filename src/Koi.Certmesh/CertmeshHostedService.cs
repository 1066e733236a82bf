using Koi.Certmesh.Authority;
using Microsoft.Extensions.Hosting;

namespace Koi.Certmesh;

/// <summary>
/// Loads the roster when the daemon starts (the CA stays locked), starts the CA host's own renewal schedule, and locks
/// it all away when it stops.
/// </summary>
internal sealed class CertmeshHostedService(CertmeshAuthority authority) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await authority.LoadAsync(cancellationToken);
        authority.OwnCertificate.Start(authority.Context.Options.CaCheckInterval);
    }

    public async Task StopAsync(CancellationToken cancellationToken) => await authority.DisposeAsync();
}
