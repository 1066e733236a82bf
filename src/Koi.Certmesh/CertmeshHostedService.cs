using Koi.Certmesh.Authority;
using Microsoft.Extensions.Hosting;

namespace Koi.Certmesh;

/// <summary>Loads the roster when the daemon starts (the CA stays locked) and locks it away when it stops.</summary>
internal sealed class CertmeshHostedService(CertmeshAuthority authority) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => authority.LoadAsync(cancellationToken);

    public async Task StopAsync(CancellationToken cancellationToken) => await authority.DisposeAsync();
}
