using Koi.Core.Status;
using Koi.Mdns.Caching;
using Koi.Mdns.Discovery;
using Koi.Mdns.Querying;
using Koi.Mdns.Responding;
using Koi.Mdns.Scheduling;
using Microsoft.Extensions.Logging;

namespace Koi.Mdns.Engine;

/// <summary>
/// Runs the scheduler's due work when its timer fires, and once a second the cache tick: expiry, refresh queries for
/// answers still wanted (RFC 6762 §5.2), ageing the registry. Reports both as <c>mdns/scheduler</c>.
/// </summary>
internal sealed partial class EngineClock(
    EngineGate gate,
    EngineState state,
    EngineScheduler scheduler,
    Random random,
    RecordCache cache,
    Querier querier,
    Responder responder,
    ServiceTracker tracker,
    ComponentHealth health,
    ILogger logger)
{
    private const string TickingDetail = "cache ticks every 1 s";
    private static readonly TimeSpan TickInterval = TimeSpan.FromSeconds(1);

    private readonly List<CachedRecord> _removed = [];

    /// <summary>Whether the scheduler's failed state is a tick's, which the next good tick may clear. Under the lock.</summary>
    private bool _tickFailing;

    /// <summary>Schedules the first tick; under the lock.</summary>
    public void Start() => scheduler.After(TickInterval, Tick);

    public void ReportRunning() => health.Running(TickingDetail);

    public void ReportStopped() => health.Stopped("shut down");

    /// <summary>The scheduler's timer fired.</summary>
    public void OnTimer()
    {
        try
        {
            gate.Run(_ => scheduler.RunDue(OnScheduledFailure));
        }
        catch (Exception ex)
        {
            lock (state.Gate)
            {
                _tickFailing = false;
            }

            health.Failed($"{ex.GetType().Name}: {ex.Message}");
            LogSchedulerFailed(logger, ex);
        }
    }

    private void OnScheduledFailure(Exception ex)
    {
        // A throwing action is a bug; it is shown as failed rather than hidden, and the other actions keep running.
        // A later good tick must not hide it.
        _tickFailing = false;
        health.Failed($"a scheduled action threw {ex.GetType().Name}: {ex.Message}");
        LogSchedulerFailed(logger, ex);
    }

    /// <summary>Once a second: expire cache entries, ask for still-wanted answers nearing expiry, age the registry.</summary>
    private void Tick()
    {
        if (state.Stopped)
        {
            return;
        }

        try
        {
            var now = scheduler.Now;
            _removed.Clear();
            cache.Expire(now, _removed);
            foreach (var expired in _removed)
            {
                tracker.OnRecord(expired.Record, received: false);
            }

            foreach (var cached in cache.All)
            {
                if (tracker.IsInteresting(cached.Record.Name) && cached.TakeRefreshDue(now, random.NextDouble() * 0.02))
                {
                    querier.Refresh(new NameTypeKey(cached.Record.Name, cached.Record.Type), cached.InterfaceIndex);
                }
            }

            tracker.Tick(now);
            responder.Prune(now);
            if (_tickFailing)
            {
                _tickFailing = false;
                health.Running(TickingDetail);
            }
        }
        catch (Exception ex)
        {
            // Shown as failed until a tick succeeds again.
            _tickFailing = true;
            health.Failed($"cache tick failed: {ex.GetType().Name}: {ex.Message}");
            LogTickFailed(logger, ex);
        }
        finally
        {
            // Always the next tick: one bad tick must not end cache expiry and refreshes for good.
            scheduler.After(TickInterval, Tick);
        }
    }
}
