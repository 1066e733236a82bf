using Koi.Core.Status;
using Microsoft.Extensions.Hosting;

namespace Koi.Mdns.Api;

/// <summary>Starts the engine and the lease sweeper with the daemon, and sends goodbyes when it stops.</summary>
internal sealed class MdnsHostedService(MdnsEngine engine, LeaseKeeper leases, StatusRegistry status) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            await engine.StartAsync(cancellationToken);
            leases.Start();
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The other capabilities keep running; status shows why mDNS does not.
            status.Register("mdns", "engine").Failed($"start failed: {ex.GetType().Name}: {ex.Message}");
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        leases.Dispose();
        await engine.DisposeAsync();
    }
}
