namespace Koi.Core.Status;

/// <summary>
/// The live state of one long-running piece (a listener, a loop, a timer). The piece itself reports transitions;
/// nothing else may claim it is running.
/// </summary>
public sealed class ComponentHealth(string name, TimeProvider time)
{
    private readonly Lock _gate = new();
    private ComponentSnapshot _snapshot = new(name, ComponentState.Starting, null, time.GetUtcNow());

    public string Name { get; } = name;

    public ComponentSnapshot Snapshot
    {
        get
        {
            lock (_gate)
            {
                return _snapshot;
            }
        }
    }

    public void Starting() => Set(ComponentState.Starting, null);

    public void Running(string? detail = null) => Set(ComponentState.Running, detail);

    public void Failed(string reason) => Set(ComponentState.Failed, reason);

    public void Stopped(string? reason = null) => Set(ComponentState.Stopped, reason);

    public void Disabled(string reason) => Set(ComponentState.Disabled, reason);

    private void Set(ComponentState state, string? reason)
    {
        lock (_gate)
        {
            if (_snapshot.State == state && _snapshot.Reason == reason)
            {
                return;
            }

            _snapshot = new ComponentSnapshot(Name, state, reason, time.GetUtcNow());
        }
    }
}

public sealed record ComponentSnapshot(string Name, ComponentState State, string? Reason, DateTimeOffset Since);
