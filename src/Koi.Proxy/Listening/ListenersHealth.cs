using Koi.Core.Status;
using Koi.Proxy.Backends;

namespace Koi.Proxy.Listening;

/// <summary>The component <c>proxy/listeners</c>: failed if any listener failed (naming it), starting while any starts, else running.</summary>
internal static class ListenersHealth
{
    /// <param name="loadProblem">Why the saved entries could not be read, or null.</param>
    public static void Report(ComponentHealth health, string? loadProblem, IReadOnlyList<ProxyListener> listeners)
    {
        if (loadProblem is not null)
        {
            health.Failed(loadProblem);
            return;
        }

        var failed = listeners.Where(l => l.Status.State == ListenerState.Failed).ToList();
        if (failed.Count > 0)
        {
            health.Failed(string.Join("; ", failed.Select(l => $"{l.Entry.Name}: {l.Status.Detail}")));
            return;
        }

        if (listeners.Any(l => l.Status.State == ListenerState.Starting))
        {
            health.Starting();
            return;
        }

        var unreachable = listeners.Count(l => l.Backend.Snapshot.State == BackendState.Unreachable);
        var summary = listeners.Count == 0 ? "no entries" : $"{listeners.Count} listening";
        health.Running(unreachable == 0 ? summary : $"{summary}, {unreachable} backend{(unreachable == 1 ? string.Empty : "s")} unreachable");
    }
}
