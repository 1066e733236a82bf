namespace Koi.Mdns.Scheduling;

/// <summary>A pending action of the <see cref="EngineScheduler"/>; cancelling it keeps it from running.</summary>
internal sealed class ScheduledWork(DateTimeOffset due, Action action)
{
    public DateTimeOffset Due { get; } = due;

    public Action Action { get; } = action;

    public bool IsCancelled { get; private set; }

    public void Cancel() => IsCancelled = true;
}
