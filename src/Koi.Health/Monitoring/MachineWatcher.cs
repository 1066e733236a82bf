using Koi.Core.Discovery;
using Koi.Core.Naming;
using Koi.Core.Status;
using Koi.Health.Machines;
using Microsoft.Extensions.Logging;

namespace Koi.Health.Monitoring;

/// <summary>
/// Re-evaluates machine presence every <see cref="HealthOptions.PresenceSweep"/> from the mDNS registry and the
/// certmesh roster, both read from memory. The one packet it costs: a live service not heard from for
/// <see cref="HealthOptions.MachineDownAfter"/> is reconfirmed once (<see cref="IServiceReconfirmer"/>, RFC 6762
/// §10.4), so a machine that vanished without a goodbye is down about ten seconds later instead of when its records'
/// TTL (120 s) runs out (docs/health.md).
/// </summary>
internal sealed partial class MachineWatcher(
    IServiceDirectory directory,
    IMemberDirectory members,
    HealthMonitor monitor,
    HealthOptions options,
    TimeProvider time,
    ComponentHealth health,
    ILogger logger,
    IServiceReconfirmer? reconfirmer = null) : IAsyncDisposable
{
    private const int MaxReconfirmed = 4096;

    private readonly PresenceTracker _tracker = new();
    private readonly Dictionary<string, DateTimeOffset> _reconfirmed = new(StringComparer.OrdinalIgnoreCase);
    private readonly CancellationTokenSource _stop = new();
    private Task _loop = Task.CompletedTask;

    public void Start() => _loop = Task.Run(() => RunAsync(_stop.Token));

    /// <summary>One evaluation; the loop calls it, and tests call it directly after moving the clock.</summary>
    public int Sweep()
    {
        var services = directory.Services();
        var sightings = _tracker.Observe(services);
        var now = time.GetUtcNow();
        ReconfirmSilent(services, now);
        var names = new List<string>();
        foreach (var member in members.Members())
        {
            if (member.IsActive)
            {
                names.Add(member.Hostname);
            }
        }

        monitor.ApplyPresence(sightings, names, now);
        return sightings.Count + names.Count;
    }

    /// <summary>Asks once per silence (per last sighting) after each live service silent for the down threshold.</summary>
    private void ReconfirmSilent(IReadOnlyList<DiscoveredService> services, DateTimeOffset now)
    {
        if (reconfirmer is null)
        {
            return;
        }

        foreach (var service in services)
        {
            if (service.IsStale || !service.IsResolved || now - service.LastSeen < options.MachineDownAfter
                || (_reconfirmed.TryGetValue(service.FullName, out var asked) && asked == service.LastSeen))
            {
                continue;
            }

            if (_reconfirmed.Count >= MaxReconfirmed)
            {
                // Bounded: forgetting only costs one more query for a service still silent.
                _reconfirmed.Clear();
            }

            _reconfirmed[service.FullName] = service.LastSeen;
            reconfirmer.Reconfirm(service.FullName);
        }
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
