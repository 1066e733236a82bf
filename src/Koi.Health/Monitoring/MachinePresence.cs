using Koi.Core.Capabilities;
using Koi.Core.Events;
using Koi.Health.Checks;
using Koi.Health.Machines;
using Koi.Health.Transitions;

namespace Koi.Health.Monitoring;

/// <summary>Which machines are up: decided from what mDNS sees and which hosts are certmesh members.</summary>
internal sealed class MachinePresence(
    MonitorState state,
    TransitionRecorder recorder,
    StatePersister persister,
    IEventBus bus,
    HealthOptions options)
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
        lock (state.Gate)
        {
            foreach (var machine in state.Machines.Values)
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

            foreach (var machine in state.Machines.Values)
            {
                var reference = machine.LastSeen is { } seen && seen > state.StartedAt ? seen : state.StartedAt;
                bool? up = machine.Present ? true : now - reference >= options.MachineDownAfter ? false : machine.Up;
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
                    var transition = new Transition(now, machine.Name, SubjectKind.Machine, TransitionRecorder.Word(wasUp), TransitionRecorder.Word(isUp), isUp, MachineReason(machine, isUp));
                    recorder.Record(transition);
                    transitions.Add(transition);
                }
                else if (up is { } first)
                {
                    baselines.Add(new BaselineEvent(now, machine.Name, SubjectKind.Machine, TransitionRecorder.Word(first), first));
                }
            }

            changed |= Forget();
            if (changed)
            {
                persister.SaveQuietly();
            }
        }

        foreach (var transition in transitions)
        {
            bus.Publish(CapabilityNames.Health, HealthMonitor.TransitionEvent, transition);
        }

        foreach (var baseline in baselines)
        {
            bus.Publish(CapabilityNames.Health, HealthMonitor.BaselineEventName, baseline);
        }
    }

    private string MachineReason(MachineState machine, bool up) =>
        up ? "mDNS: rediscovered"
        : machine.LastSeen is null ? "mDNS: not seen since koi started"
        : $"mDNS: not seen for {DurationText.Format(options.MachineDownAfter)}";

    // Caller holds the lock.
    private MachineState Machine(string name)
    {
        if (!state.Machines.TryGetValue(name, out var machine))
        {
            machine = new MachineState(name);
            state.Machines[name] = machine;
        }

        return machine;
    }

    // Caller holds the lock. Bounded memory: beyond the limit, the machines down and seen longest ago go first.
    private bool Forget()
    {
        var excess = state.Machines.Count - options.MaxMachines;
        if (excess <= 0)
        {
            return false;
        }

        var candidates = new List<MachineState>();
        foreach (var machine in state.Machines.Values)
        {
            if (!machine.Present && !machine.Member)
            {
                candidates.Add(machine);
            }
        }

        candidates.Sort((a, b) => Nullable.Compare(a.LastSeen, b.LastSeen));
        for (var i = 0; i < excess && i < candidates.Count; i++)
        {
            state.Machines.Remove(candidates[i].Name);
        }

        return true;
    }
}
