using System.Collections.Concurrent;

namespace Koi.Core.Status;

/// <summary>Every <see cref="ComponentHealth"/> of the daemon, grouped by the capability that owns it.</summary>
public sealed class StatusRegistry(TimeProvider time)
{
    private readonly ConcurrentDictionary<string, ComponentHealth> _components = new(StringComparer.Ordinal);

    /// <summary>Registers (or returns) the component <c>owner/name</c>, initially starting.</summary>
    public ComponentHealth Register(string owner, string name) =>
        _components.GetOrAdd($"{owner}/{name}", key => new ComponentHealth(key, time));

    public IReadOnlyList<ComponentSnapshot> Snapshot(string? owner = null)
    {
        var prefix = owner is null ? null : owner + "/";
        var list = new List<ComponentSnapshot>();
        foreach (var component in _components.Values)
        {
            if (prefix is null || component.Name.StartsWith(prefix, StringComparison.Ordinal))
            {
                list.Add(component.Snapshot);
            }
        }

        list.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
        return list;
    }
}
