using System.Net;
using Koi.Core.Discovery;

namespace Koi.Health.Machines;

/// <summary>
/// Turns the mDNS registry's services into machines. A service whose SRV record expired no longer names its host, so
/// the tracker remembers which machine each instance belonged to; otherwise a machine that went silent would vanish
/// from the list instead of going down.
/// </summary>
internal sealed class PresenceTracker(int maxInstances = 4096)
{
    private readonly Dictionary<string, string> _machineOf = new(StringComparer.OrdinalIgnoreCase);

    public IReadOnlyList<MachineSighting> Observe(IReadOnlyList<DiscoveredService> services)
    {
        var machines = new Dictionary<string, (bool Present, DateTimeOffset LastSeen, List<IPAddress> Addresses)>(StringComparer.Ordinal);
        foreach (var service in services)
        {
            string? machine = null;
            if (!string.IsNullOrWhiteSpace(service.Host))
            {
                machine = MachineName.Normalize(service.Host);
                Remember(service.FullName, machine);
            }
            else
            {
                _machineOf.TryGetValue(service.FullName, out machine);
            }

            if (string.IsNullOrEmpty(machine))
            {
                continue;
            }

            var present = !service.IsStale && service.IsResolved && service.Host is not null;
            if (machines.TryGetValue(machine, out var known))
            {
                foreach (var address in service.Addresses)
                {
                    if (present && !known.Addresses.Contains(address))
                    {
                        known.Addresses.Add(address);
                    }
                }

                machines[machine] = (known.Present || present, Max(known.LastSeen, service.LastSeen), known.Addresses);
            }
            else
            {
                machines[machine] = (present, service.LastSeen, present ? [.. service.Addresses] : []);
            }
        }

        var sightings = new List<MachineSighting>(machines.Count);
        foreach (var (name, seen) in machines)
        {
            sightings.Add(new MachineSighting(name, seen.Present, seen.LastSeen, seen.Addresses));
        }

        return sightings;
    }

    private void Remember(string instance, string machine)
    {
        if (_machineOf.Count >= maxInstances && !_machineOf.ContainsKey(instance))
        {
            // Bounded: forgetting only costs the host of an instance whose SRV later expires.
            _machineOf.Clear();
        }

        _machineOf[instance] = machine;
    }

    private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;
}
