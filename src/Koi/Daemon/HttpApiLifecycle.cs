using Koi.Core.Ceremony;
using Koi.Core.Status;

namespace Koi.Daemon;

/// <summary>Reports the HTTP API and the ceremony sweeper as running only once Kestrel really listens.</summary>
internal sealed class HttpApiLifecycle(
    IHostApplicationLifetime lifetime,
    StatusRegistry registry,
    DaemonOptions options,
    CeremonyHost ceremonies) : IHostedService
{
    private readonly ComponentHealth _api = registry.Register("core", "http_api");
    private readonly ComponentHealth _sweeper = registry.Register("core", "ceremony_sweeper");

    public Task StartAsync(CancellationToken cancellationToken)
    {
        lifetime.ApplicationStarted.Register(() =>
        {
            _api.Running($"listening on {options.HttpBind}:{options.HttpPort}");
            _sweeper.Running($"{ceremonies.Ceremonies.Count} ceremonies, sweep every {CeremonyHost.SweepInterval.TotalSeconds:0}s");
        });
        lifetime.ApplicationStopping.Register(() =>
        {
            _api.Stopped("shutting down");
            _sweeper.Stopped("shutting down");
        });
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        ceremonies.Dispose();
        return Task.CompletedTask;
    }
}
