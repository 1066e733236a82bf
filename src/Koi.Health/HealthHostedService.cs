using Microsoft.Extensions.Hosting;

namespace Koi.Health;

/// <summary>Starts checks and presence tracking with the daemon and stops them cleanly.</summary>
internal sealed class HealthHostedService(HealthService service) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        service.Start();
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken) => await service.DisposeAsync();
}
