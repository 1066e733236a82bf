using Microsoft.Extensions.Hosting;

namespace Koi.Dns.Hosting;

/// <summary>Starts the DNS capability with the daemon (serving again if it served before) and stops it cleanly.</summary>
internal sealed class DnsHostedService(DnsService service) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => service.StartAsync(cancellationToken);

    public async Task StopAsync(CancellationToken cancellationToken) => await service.DisposeAsync();
}
