using Koi.Core.Status;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Koi.Mdns.Api;

/// <summary>Starts the engine and the lease sweeper with the daemon, and sends goodbyes when it stops.</summary>
internal sealed partial class MdnsHostedService(MdnsEngine engine, LeaseKeeper leases, StatusRegistry status, ILogger logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            await engine.StartAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The other capabilities keep running; status shows why mDNS does not, and why leases are not swept.
            var reason = $"{ex.GetType().Name}: {ex.Message}";
            status.Register("mdns", "engine").Failed($"start failed: {reason}");
            leases.NotStarted($"the mDNS engine did not start: {reason}");
            LogStartFailed(logger, ex);
            return;
        }

        leases.Start();
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        leases.Dispose();
        await engine.DisposeAsync();
    }

    [LoggerMessage(EventId = 441, Level = LogLevel.Error, Message = "mDNS: the engine did not start; mDNS is off until the daemon restarts")]
    private static partial void LogStartFailed(ILogger logger, Exception exception);
}
