using Koi.Core.Status;
using Koi.Health.Checks;
using Koi.Health.Probes;
using Microsoft.Extensions.Logging;

namespace Koi.Health.Monitoring;

/// <summary>
/// Runs every check on its own schedule. Each check has its own loop, so a slow target only ever delays itself; a
/// shared pool bounds how many probes are in flight, and every probe gives its slot back by its timeout at the latest.
/// Runs are spaced by the interval plus jitter, measured from the start of the previous run.
/// </summary>
internal sealed partial class CheckScheduler : IAsyncDisposable
{
    /// <summary>The first run of a check comes within this much (jittered), so a new check shows a result quickly.</summary>
    private static readonly TimeSpan MaxFirstDelay = TimeSpan.FromSeconds(1);

    private static readonly TimeSpan DeafProbeGrace = TimeSpan.FromSeconds(1);

    private readonly Lock _gate = new();
    private readonly Dictionary<string, Runner> _runners = new(StringComparer.OrdinalIgnoreCase);
    private readonly CancellationTokenSource _stop = new();
    private readonly ICheckProbe _probe;
    private readonly HealthMonitor _monitor;
    private readonly HealthOptions _options;
    private readonly TimeProvider _time;
    private readonly Func<double> _random;
    private readonly ComponentHealth _health;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _pool;

    // Checks whose loop died (a bug), by name, with why: shown until that check is removed or started afresh.
    private readonly Dictionary<string, string> _dead = new(StringComparer.Ordinal);

    public CheckScheduler(ICheckProbe probe, HealthMonitor monitor, HealthOptions options, TimeProvider time, Func<double> random, ComponentHealth health, ILogger logger)
    {
        _probe = probe;
        _monitor = monitor;
        _options = options;
        _time = time;
        _random = random;
        _health = health;
        _logger = logger;
        _pool = new SemaphoreSlim(Math.Max(1, options.MaxConcurrentProbes));
    }

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _runners.Count;
            }
        }
    }

    public void Start(CheckDefinition check)
    {
        lock (_gate)
        {
            if (_stop.IsCancellationRequested)
            {
                return;
            }

            if (_runners.Remove(check.Name, out var previous))
            {
                previous.Cancel();
            }

            _dead.Remove(check.Name);

            var cancel = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
            var runner = new Runner(check, cancel);
            _runners[check.Name] = runner;
            runner.Task = Task.Run(() => RunAsync(runner));
        }

        ReportRunning();
    }

    public void Stop(string name)
    {
        lock (_gate)
        {
            if (_runners.Remove(name, out var runner))
            {
                runner.Cancel();
            }

            _dead.Remove(name);
        }

        ReportRunning();
    }

    public async ValueTask DisposeAsync()
    {
        List<Task> tasks;
        lock (_gate)
        {
            _stop.Cancel();
            tasks = [.. _runners.Values.Select(r => r.Task)];
            _runners.Clear();
        }

        await Task.WhenAll(tasks);
        _health.Stopped("daemon stopping");
        _stop.Dispose();
    }

    private async Task RunAsync(Runner runner)
    {
        var check = runner.Check;
        var token = runner.Token;
        try
        {
            var first = MaxFirstDelay < check.Interval ? MaxFirstDelay : check.Interval;
            await Task.Delay(first * (_options.Jitter > 0 ? _random() : 0), _time, token);
            while (true)
            {
                var started = _time.GetTimestamp();
                var result = await ProbeOnceAsync(check, token);
                var latency = _time.GetElapsedTime(started);
                _monitor.ApplyProbe(check, result, _time.GetUtcNow(), latency);
                var wait = check.Interval + (check.Interval * (_options.Jitter * _random())) - latency;
                await Task.Delay(wait > TimeSpan.Zero ? wait : TimeSpan.Zero, _time, token);
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            // A loop that dies is a bug; it must be visible, not silently stop checking.
            LogRunnerDied(_logger, check.Name, ex);
            lock (_gate)
            {
                // Only while this runner is still the check's: one replaced or removed meanwhile is not a failure.
                if (_runners.TryGetValue(check.Name, out var current) && ReferenceEquals(current, runner))
                {
                    _dead[check.Name] = $"check {check.Name} stopped: {ex.Message}";
                }
            }

            ReportRunning();
        }
        finally
        {
            runner.Dispose();
        }
    }

    private async Task<ProbeResult> ProbeOnceAsync(CheckDefinition check, CancellationToken token)
    {
        await _pool.WaitAsync(token);
        try
        {
            using var timeout = new CancellationTokenSource(check.Timeout, _time);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(token, timeout.Token);
            using var deadlineCancel = CancellationTokenSource.CreateLinkedTokenSource(token);
            var probe = StartProbe(check, linked.Token);

            // A probe that honours its token ends at the timeout; one that does not still gives its slot back shortly
            // after, so no target can hold the pool longer than its own timeout plus this grace.
            var deadline = Task.Delay(check.Timeout + DeafProbeGrace, _time, deadlineCancel.Token);
            var first = await Task.WhenAny(probe, deadline);
            await deadlineCancel.CancelAsync();
            if (first != probe)
            {
                token.ThrowIfCancellationRequested();
                Observe(probe);
                return ProbeResult.TimedOut(check.Timeout);
            }

            try
            {
                return await probe;
            }
            catch (OperationCanceledException) when (timeout.IsCancellationRequested && !token.IsCancellationRequested)
            {
                return ProbeResult.TimedOut(check.Timeout);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogProbeFailed(_logger, check.Name, ex);
                return new ProbeResult(false, "error", ex.Message);
            }
        }
        finally
        {
            _pool.Release();
        }
    }

    private Task<ProbeResult> StartProbe(CheckDefinition check, CancellationToken token)
    {
        try
        {
            return _probe.ProbeAsync(check, token);
        }
        catch (Exception ex)
        {
            // A probe that throws before its first await is still one failed run, not a dead loop.
            return Task.FromException<ProbeResult>(ex);
        }
    }

    private static void Observe(Task task) =>
        _ = task.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);

    /// <summary>
    /// Reports the component running with its check count, unless a check's loop died: that stays visible until the
    /// check is removed or started afresh (re-adding it, or a daemon restart).
    /// </summary>
    public void ReportRunning()
    {
        string? dead;
        int count;
        lock (_gate)
        {
            dead = _dead.Count == 0 ? null : string.Join("; ", _dead.Values) + "; remove and re-add the check, or restart the daemon";
            count = _runners.Count;
        }

        if (dead is not null)
        {
            _health.Failed(dead);
        }
        else
        {
            _health.Running(count == 1 ? "1 check" : $"{count} checks");
        }
    }

    private sealed class Runner(CheckDefinition check, CancellationTokenSource cancel) : IDisposable
    {
        public CheckDefinition Check { get; } = check;

        public CancellationToken Token { get; } = cancel.Token;

        public Task Task { get; set; } = Task.CompletedTask;

        public void Cancel()
        {
            try
            {
                cancel.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // The loop already ended (it died and reported failed); nothing left to stop.
            }
        }

        public void Dispose() => cancel.Dispose();
    }
}
