using Koi.Core.Capabilities;
using Koi.Core.Status;

namespace Koi.Daemon;

/// <summary>The capabilities of this daemon and their real state, as <c>/v1/status</c> shows them.</summary>
internal sealed class CapabilitySet(IReadOnlyList<IKoiCapability> capabilities, DaemonOptions options)
{
    public IReadOnlyList<CapabilityStatus> Describe(IServiceProvider services, StatusRegistry registry)
    {
        var list = new List<CapabilityStatus>(CapabilityNames.All.Count);
        foreach (var name in CapabilityNames.All)
        {
            var capability = Find(name);
            if (capability is null)
            {
                list.Add(Disabled(name, "not included in this build"));
            }
            else if (!options.IsEnabled(name))
            {
                list.Add(Disabled(name, $"disabled by --no-{name} or KOI_NO_{name.ToUpperInvariant()}"));
            }
            else
            {
                var components = registry.Snapshot(name);
                var (state, reason) = CapabilityStatus.Aggregate(components);
                list.Add(new CapabilityStatus(name, state, reason, components, capability.Summarize(services)));
            }
        }

        return list;
    }

    private IKoiCapability? Find(string name)
    {
        foreach (var capability in capabilities)
        {
            if (capability.Name == name)
            {
                return capability;
            }
        }

        return null;
    }

    private static CapabilityStatus Disabled(string name, string reason) =>
        new(name, ComponentState.Disabled, reason, [], new Dictionary<string, object?>());
}
