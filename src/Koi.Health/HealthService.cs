using Koi.Core.Health;
using Koi.Core.Status;
using Koi.Health.Api;
using Koi.Health.Checks;
using Koi.Health.Monitoring;
using Koi.Health.Transitions;

namespace Koi.Health;

/// <summary>
/// The health capability at run time: the monitor that holds and decides state, the scheduler that runs checks and
/// the watchers that follow machine presence and the proxy's entries. What the HTTP API calls.
/// </summary>
internal sealed class HealthService(
    HealthMonitor monitor,
    CheckScheduler scheduler,
    MachineWatcher watcher,
    ProxyWatcher proxies,
    ICertificateFacts certificates,
    INameResolutionFacts names,
    ComponentHealth checksHealth,
    TimeProvider time) : IAsyncDisposable
{
    // Add and remove change the monitor and the scheduler together; nobody sees one without the other.
    private readonly Lock _changes = new();
    private int _disposed;

    public HealthMonitor Monitor => monitor;

    public MachineWatcher Watcher => watcher;

    public ProxyWatcher Proxies => proxies;

    public void Start()
    {
        if (monitor.Load() is { } problem)
        {
            checksHealth.Failed(problem);
        }
        else
        {
            foreach (var check in monitor.Checks())
            {
                scheduler.Start(check);
            }

            scheduler.ReportRunning();
        }

        watcher.Start();
        proxies.Start();
    }

    public CheckDefinition Add(CheckRequest request)
    {
        var check = CheckValidator.Validate(request, time.GetUtcNow());
        lock (_changes)
        {
            monitor.Add(check);
            scheduler.Start(check);
        }

        return check;
    }

    public CheckDefinition Remove(string name)
    {
        lock (_changes)
        {
            var removed = monitor.Remove(name);
            scheduler.Stop(removed.Name);
            return removed;
        }
    }

    public IReadOnlyList<CheckDefinition> Checks() => monitor.Checks();

    public HealthStatusView Status() => monitor.Status(certificates, names);

    public IReadOnlyList<Transition> Log(string? since, int? limit)
    {
        if (limit is < 1 or > TransitionLog.MaxRead)
        {
            throw new Core.Errors.KoiException(Core.Errors.KoiErrorCode.InvalidRequest, $"limit must be 1-{TransitionLog.MaxRead}");
        }

        return monitor.Log.Read(SinceText.Parse(since, time.GetUtcNow()), limit ?? TransitionLog.MaxRead);
    }

    public async ValueTask DisposeAsync()
    {
        // Stopped by the hosted service, then disposed again by the container: only the first call counts.
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await scheduler.DisposeAsync();
        await watcher.DisposeAsync();
        await proxies.DisposeAsync();
    }
}
