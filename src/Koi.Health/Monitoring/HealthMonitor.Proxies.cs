using Koi.Core.Capabilities;
using Koi.Core.Proxy;
using Koi.Health.Proxies;
using Koi.Health.Transitions;

namespace Koi.Health.Monitoring;

internal sealed partial class HealthMonitor
{
    /// <summary>
    /// The proxy loads its entries as the daemon starts, possibly after health's first look: until then an entry
    /// missing from the facts may just not be loaded yet, so its remembered state is kept rather than forgotten.
    /// </summary>
    internal static readonly TimeSpan ProxyStartGrace = TimeSpan.FromSeconds(10);

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
        lock (_gate)
        {
            foreach (var proxy in _proxies.Values)
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
                    var transition = new Transition(now, proxy.Name, SubjectKind.Proxy, Word(wasUp), Word(isUp), isUp, reason!);
                    Record(transition);
                    transitions.Add(transition);
                }
                else
                {
                    baselines.Add(new BaselineEvent(now, proxy.Name, SubjectKind.Proxy, Word(isUp), isUp));
                }
            }

            if (now - _startedAt >= ProxyStartGrace)
            {
                foreach (var gone in _proxies.Values.Where(p => !p.Present).Select(p => p.Name).ToList())
                {
                    _proxies.Remove(gone);
                    changed = true;
                }
            }

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

    // Caller holds _gate.
    private ProxyState Proxy(string name)
    {
        if (!_proxies.TryGetValue(name, out var proxy))
        {
            proxy = new ProxyState(name);
            _proxies[name] = proxy;
        }

        return proxy;
    }
}
