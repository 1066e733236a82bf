using Koi.Core.Capabilities;
using Koi.Core.Events;
using Koi.Core.Proxy;
using Koi.Health.Proxies;
using Koi.Health.Transitions;

namespace Koi.Health.Monitoring;

/// <summary>Which proxy entries are up: decided from the proxy's own facts about its listeners and backends.</summary>
internal sealed class ProxyHealth(
    MonitorState state,
    TransitionRecorder recorder,
    StatePersister persister,
    IEventBus bus)
{
    /// <summary>
    /// The proxy loads its entries as the daemon starts, possibly after health's first look: until then an entry
    /// missing from the facts may just not be loaded yet, so its remembered state is kept rather than forgotten.
    /// </summary>
    public static readonly TimeSpan StartGrace = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Re-decides every proxy entry from the proxy's own facts (<see cref="ProxyVerdict"/>). A change between up and
    /// down is a transition, logged and published like a check's; the first decision about an entry is a baseline.
    /// Entries the proxy no longer has are forgotten.
    /// </summary>
    public void ApplyProxies(IReadOnlyList<ProxyEntryFacts> entries, DateTimeOffset now)
    {
        var transitions = new List<Transition>();
        var baselines = new List<BaselineEvent>();
        var changed = false;
        lock (state.Gate)
        {
            foreach (var proxy in state.Proxies.Values)
            {
                proxy.Present = false;
            }

            foreach (var facts in entries)
            {
                var proxy = Proxy(facts.Name);
                proxy.Present = true;
                proxy.ListenPort = facts.ListenPort;
                proxy.Backend = facts.Backend;
                proxy.Listening = facts.Listening;
                proxy.BackendReachable = facts.BackendReachable;
                proxy.BackendFailures = facts.BackendFailures;
                proxy.Detail = facts.Problem;
                proxy.CheckedAt = now;

                var (up, reason) = ProxyVerdict.Decide(facts);
                if (up is not { } isUp || up == proxy.Up)
                {
                    continue;
                }

                changed = true;
                var before = proxy.Up;
                proxy.Up = isUp;
                proxy.Since = now;
                if (before is { } wasUp)
                {
                    var transition = new Transition(now, proxy.Name, SubjectKind.Proxy, TransitionRecorder.Word(wasUp), TransitionRecorder.Word(isUp), isUp, reason!);
                    recorder.Record(transition);
                    transitions.Add(transition);
                }
                else
                {
                    baselines.Add(new BaselineEvent(now, proxy.Name, SubjectKind.Proxy, TransitionRecorder.Word(isUp), isUp));
                }
            }

            if (now - state.StartedAt >= StartGrace)
            {
                foreach (var gone in state.Proxies.Values.Where(p => !p.Present).Select(p => p.Name).ToList())
                {
                    state.Proxies.Remove(gone);
                    changed = true;
                }
            }

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

    // Caller holds the lock.
    private ProxyState Proxy(string name)
    {
        if (!state.Proxies.TryGetValue(name, out var proxy))
        {
            proxy = new ProxyState(name);
            state.Proxies[name] = proxy;
        }

        return proxy;
    }
}
