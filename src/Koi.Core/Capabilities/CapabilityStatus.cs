using Koi.Core.Status;

namespace Koi.Core.Capabilities;

/// <summary>A capability's state as <c>/v1/status</c> reports it, derived from its components' own reports.</summary>
public sealed record CapabilityStatus(
    string Name,
    ComponentState State,
    string? Reason,
    IReadOnlyList<ComponentSnapshot> Components,
    IReadOnlyDictionary<string, object?> Summary)
{
    /// <summary>Failed if any component failed, starting while any starts, running only when all run.</summary>
    public static (ComponentState State, string? Reason) Aggregate(IReadOnlyList<ComponentSnapshot> components)
    {
        if (components.Count == 0)
        {
            return (ComponentState.Starting, "no component has reported yet");
        }

        foreach (var component in components)
        {
            if (component.State == ComponentState.Failed)
            {
                return (ComponentState.Failed, $"{component.Name}: {component.Reason}");
            }
        }

        foreach (var component in components)
        {
            if (component.State is ComponentState.Starting or ComponentState.Stopped)
            {
                return (component.State, $"{component.Name}: {component.Reason ?? component.State.ToString().ToLowerInvariant()}");
            }
        }

        return (ComponentState.Running, null);
    }
}
