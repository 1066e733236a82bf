namespace Koi.Mdns.Scheduling;

/// <summary>
/// Every delay of the engine (probe spacing, response jitter, query intervals, cache ticks) on one
/// <see cref="TimeProvider"/> timer that is always armed for the earliest pending action. Not thread-safe: it is
/// used under the engine's lock, and the timer's callback <paramref name="runDue"/> takes that lock and calls
/// <see cref="RunDue"/>.
/// </summary>
internal sealed class EngineScheduler : IDisposable
{
    private readonly TimeProvider _time;
    private readonly ITimer _timer;
    private readonly PriorityQueue<ScheduledWork, DateTimeOffset> _queue = new();
    private DateTimeOffset? _armedFor;

    public EngineScheduler(TimeProvider time, Action runDue)
    {
        _time = time;
        _timer = time.CreateTimer(_ => runDue(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    public int Pending => _queue.Count;

    public DateTimeOffset Now => _time.GetUtcNow();

    public ScheduledWork After(TimeSpan delay, Action action) => At(Now + (delay < TimeSpan.Zero ? TimeSpan.Zero : delay), action);

    public ScheduledWork At(DateTimeOffset due, Action action)
    {
        var work = new ScheduledWork(due, action);
        _queue.Enqueue(work, due);
        Arm();
        return work;
    }

    /// <summary>Runs every action that is due, in order; <paramref name="onError"/> sees what one of them threw.</summary>
    public void RunDue(Action<Exception> onError)
    {
        _armedFor = null;
        var now = Now;
        while (_queue.TryPeek(out var work, out var due) && due <= now)
        {
            _queue.Dequeue();
            if (work.IsCancelled)
            {
                continue;
            }

            try
            {
                work.Action();
            }
            catch (Exception ex)
            {
                onError(ex);
            }
        }

        Arm();
    }

    public void Dispose()
    {
        _queue.Clear();
        _timer.Dispose();
    }

    private void Arm()
    {
        // Cancelled work at the head would only cause an empty wake-up; drop it now.
        while (_queue.TryPeek(out var head, out _) && head.IsCancelled)
        {
            _queue.Dequeue();
        }

        if (!_queue.TryPeek(out _, out var due))
        {
            _armedFor = null;
            return;
        }

        if (_armedFor == due)
        {
            return;
        }

        _armedFor = due;
        var delay = due - Now;
        _timer.Change(delay < TimeSpan.Zero ? TimeSpan.Zero : delay, Timeout.InfiniteTimeSpan);
    }
}
