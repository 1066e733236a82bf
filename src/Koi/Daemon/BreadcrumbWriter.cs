using Microsoft.Extensions.Hosting;

namespace Koi.Daemon;

/// <summary>
/// Writes the CLI's breadcrumb (endpoint and token) once every hosted service, the HTTP listener included, has started
/// and before the host reports itself started — which is when systemd is told READY=1 (docs/service.md). Written after
/// that, `systemctl restart koi && koi status` could find no token.
/// </summary>
internal sealed class BreadcrumbWriter(Breadcrumb breadcrumb, string dataDir) : IHostedLifecycleService
{
    public Task StartedAsync(CancellationToken cancellationToken)
    {
        breadcrumb.Write(dataDir);
        return Task.CompletedTask;
    }

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
