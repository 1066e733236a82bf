using Koi.Core.Ceremony;
using Koi.Core.Status;

namespace Koi.Daemon;

/// <summary>Reports the HTTP API as running only once Kestrel really listens; stops the ceremony host with the daemon.</summary>
internal sealed class HttpApiLifecycle(
    IHostApplicationLifetime lifetime,
    StatusRegistry registry,
    DaemonOptions options,
    CeremonyHost ceremonies) : IHostedService
{
    private readonly ComponentHealth _api = registry.Register("core", "http_api");

    public Task StartAsync(CancellationToken cancellationToken)
    {
        lifetime.ApplicationStarted.Register(() =>
        {
            _api.Running($"listening on {options.HttpBind}:{options.HttpPort}");
        });
        lifetime.ApplicationStopping.Register(() =>
        {
            _api.Stopped("shutting down");
        });
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        ceremonies.Dispose();
        return Task.CompletedTask;
    }
}
