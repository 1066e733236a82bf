using Koi.Core.Proxy;
using Koi.Core.Status;
using Microsoft.Extensions.Logging;

namespace Koi.Health.Monitoring;

/// <summary>
/// Re-reads the proxy's entries every <see cref="HealthOptions.ProxySweep"/> through <see cref="IProxyFacts"/>, from
/// memory: the proxy already connects to every backend (per client, and every 10 s while idle), so health sends no
/// packet of its own for them.
/// </summary>
internal sealed partial class ProxyWatcher(
    IProxyFacts facts,
    HealthMonitor monitor,
    HealthOptions options,
    TimeProvider time,
    ComponentHealth health,
    ILogger logger) : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private Task _loop = Task.CompletedTask;

    public void Start() => _loop = Task.Run(() => RunAsync(_stop.Token));

    /// <summary>One evaluation; the loop calls it, and tests call it directly after changing the facts.</summary>
    public int Sweep()
    {
        var entries = facts.Entries();
        monitor.ApplyProxies(entries, time.GetUtcNow());
        return entries.Count;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        health.Stopped("daemon stopping");
        _stop.Dispose();
    }

    private async Task RunAsync(CancellationToken token)
    {
        while (!token.IsCancellationRequested)
        {
            try
            {
                var count = Sweep();
                health.Running($"{count} proxy {(count == 1 ? "entry" : "entries")}, read every {Checks.DurationText.Format(options.ProxySweep)}");
            }
            catch (Exception ex)
            {
                // A failing sweep is shown and retried next time; proxy states keep their last value meanwhile.
                LogSweepFailed(logger, ex);
                health.Failed($"reading proxy entries failed: {ex.Message}");
            }

            try
            {
                await Task.Delay(options.ProxySweep, time, token);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    [LoggerMessage(EventId = 30, Level = LogLevel.Error, Message = "health: reading the proxy entries failed; retrying")]
    private static partial void LogSweepFailed(ILogger logger, Exception exception);
}
