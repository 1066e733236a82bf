using Koi.Core.Capabilities;
using Koi.Health.Checks;
using Koi.Health.Machines;
using Koi.Health.Transitions;

namespace Koi.Health.Monitoring;

internal sealed partial class HealthMonitor
{
    /// <summary>
    /// Re-decides every machine from what mDNS says now. Present (a live, resolved service) is up at once; absent is
    /// down only once it has not been seen for <see cref="HealthOptions.MachineDownAfter"/> — counted from the daemon's
    /// start at the earliest, because the registry starts empty and needs a moment to fill.
    /// </summary>
    /// <param name="members">Host labels of active certmesh members: known machines even if mDNS never saw them.</param>
    public void ApplyPresence(IReadOnlyList<MachineSighting> sightings, IReadOnlyCollection<string> members, DateTimeOffset now)
    {
        var transitions = new List<Transition>();
        var baselines = new List<BaselineEvent>();
        var changed = false;
        lock (_gate)
        {
            foreach (var machine in _machines.Values)
            {
                machine.Present = false;
                machine.Member = false;
            }

            foreach (var sighting in sightings)
            {
                var machine = Machine(sighting.Name);
                machine.Present = sighting.Present;
                if (machine.LastSeen is null || sighting.LastSeen > machine.LastSeen)
                {
                    machine.LastSeen = sighting.LastSeen;
                }

                if (sighting.Present)
                {
                    machine.Addresses = sighting.Addresses;
                }
            }

            foreach (var member in members)
            {
                Machine(MachineName.Normalize(member)).Member = true;
            }

            foreach (var machine in _machines.Values)
            {
                var reference = machine.LastSeen is { } seen && seen > _startedAt ? seen : _startedAt;
                bool? up = machine.Present ? true : now - reference >= _options.MachineDownAfter ? false : machine.Up;
                if (up == machine.Up)
                {
                    continue;
                }

                changed = true;
                var before = machine.Up;
                machine.Up = up;
                machine.Since = now;
                if (before is { } wasUp && up is { } isUp)
                {
                    var transition = new Transition(now, machine.Name, SubjectKind.Machine, Word(wasUp), Word(isUp), isUp, MachineReason(machine, isUp));
                    Record(transition);
                    transitions.Add(transition);
                }
                else if (up is { } first)
                {
                    baselines.Add(new BaselineEvent(now, machine.Name, SubjectKind.Machine, Word(first), first));
                }
            }

            changed |= Forget();
            if (changed)
            {
                SaveQuietly();
            }
        }

        foreach (var transition in transitions)
        {
            _bus.Publish(CapabilityNames.Health, TransitionEvent, transition);
        }

        foreach (var baseline in baselines)
        {
            _bus.Publish(CapabilityNames.Health, BaselineEventName, baseline);
        }
    }

    private static string Word(bool up) => up ? "up" : "down";

    private string MachineReason(MachineState machine, bool up) =>
        up ? "mDNS: rediscovered"
        : machine.LastSeen is null ? "mDNS: not seen since koi started"
        : $"mDNS: not seen for {DurationText.Format(_options.MachineDownAfter)}";

    // Caller holds _gate.
    private MachineState Machine(string name)
    {
        if (!_machines.TryGetValue(name, out var machine))
        {
            machine = new MachineState(name);
            _machines[name] = machine;
        }

        return machine;
    }

    // Caller holds _gate. Bounded memory: beyond the limit, the machines down and seen longest ago go first.
    private bool Forget()
    {
        var excess = _machines.Count - _options.MaxMachines;
        if (excess <= 0)
        {
            return false;
        }

        var candidates = new List<MachineState>();
        foreach (var machine in _machines.Values)
        {
            if (!machine.Present && !machine.Member)
            {
                candidates.Add(machine);
            }
        }

        candidates.Sort((a, b) => Nullable.Compare(a.LastSeen, b.LastSeen));
        for (var i = 0; i < excess && i < candidates.Count; i++)
        {
            _machines.Remove(candidates[i].Name);
        }

        return true;
    }
}
