using Microsoft.Extensions.Hosting;

namespace Koi.Proxy;

/// <summary>Starts the saved entries with the daemon and closes every listener and connection when it stops.</summary>
internal sealed class ProxyHostedService(ProxyService service) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => service.StartAsync(cancellationToken);

    public async Task StopAsync(CancellationToken cancellationToken) => await service.DisposeAsync();
}
