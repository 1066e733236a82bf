using Koi.Core.Discovery;
using Koi.Core.Naming;
using Koi.Core.Status;
using Koi.Health.Machines;
using Microsoft.Extensions.Logging;

namespace Koi.Health.Monitoring;

/// <summary>
/// Re-evaluates machine presence every <see cref="HealthOptions.PresenceSweep"/> from the mDNS registry and the
/// certmesh roster, both read from memory: machine health costs no packets of its own (seed 001 §6.2).
/// </summary>
internal sealed partial class MachineWatcher(
    IServiceDirectory directory,
    IMemberDirectory members,
    HealthMonitor monitor,
    HealthOptions options,
    TimeProvider time,
    ComponentHealth health,
    ILogger logger) : IAsyncDisposable
{
    private readonly PresenceTracker _tracker = new();
    private readonly CancellationTokenSource _stop = new();
    private Task _loop = Task.CompletedTask;

    public void Start() => _loop = Task.Run(() => RunAsync(_stop.Token));

    /// <summary>One evaluation; the loop calls it, and tests call it directly after moving the clock.</summary>
    public int Sweep()
    {
        var sightings = _tracker.Observe(directory.Services());
        var names = new List<string>();
        foreach (var member in members.Members())
        {
            if (member.IsActive)
            {
                names.Add(member.Hostname);
            }
        }

        monitor.ApplyPresence(sightings, names, time.GetUtcNow());
        return sightings.Count + names.Count;
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
                Sweep();
                health.Running($"mDNS presence every {Checks.DurationText.Format(options.PresenceSweep)}, down after {Checks.DurationText.Format(options.MachineDownAfter)}");
            }
            catch (Exception ex)
            {
                // A failing sweep is shown and retried next time; machine states keep their last value meanwhile.
                LogSweepFailed(logger, ex);
                health.Failed($"presence sweep failed: {ex.Message}");
            }

            try
            {
                await Task.Delay(options.PresenceSweep, time, token);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    [LoggerMessage(EventId = 20, Level = LogLevel.Error, Message = "health: evaluating machine presence failed; retrying")]
    private static partial void LogSweepFailed(ILogger logger, Exception exception);
}
