using Koi.Core.Capabilities;
using Koi.Core.Errors;
using Koi.Core.Events;
using Koi.Core.Health;
using Koi.Core.Proxy;
using Koi.Health.Api;
using Koi.Health.Checks;
using Koi.Health.Machines;
using Koi.Health.Probes;
using Koi.Health.State;
using Koi.Health.Transitions;
using Microsoft.Extensions.Logging;

namespace Koi.Health.Monitoring;

/// <summary>
/// The health capability's state of every check, machine and proxy entry, and the one place that decides a transition
/// happened: it writes the line to <c>logs/health.log</c>, publishes the <c>transition</c> event and remembers the state
/// in <c>state/health.json</c>. Checks are decided here; machines (<see cref="MachinePresence"/>), proxy entries
/// (<see cref="ProxyHealth"/>), saving (<see cref="StatePersister"/>) and views (<see cref="HealthViews"/>) in their
/// own parts. Repeated results in the same state change nothing but the "checked" time, so the log holds transitions only.
/// </summary>
internal sealed class HealthMonitor
{
    public const string TransitionEvent = "transition";
    public const string BaselineEventName = "baseline";
    public const string CheckAddedEvent = "check_added";
    public const string CheckRemovedEvent = "check_removed";

    /// <inheritdoc cref="ProxyHealth.StartGrace"/>
    internal static readonly TimeSpan ProxyStartGrace = ProxyHealth.StartGrace;

    private readonly MonitorState _state;
    private readonly TransitionRecorder _recorder;
    private readonly StatePersister _persister;
    private readonly MachinePresence _machines;
    private readonly ProxyHealth _proxies;
    private readonly HealthViews _views;
    private readonly IEventBus _bus;
    private readonly HealthOptions _options;

    public HealthMonitor(HealthStateStore store, TransitionLog log, IEventBus bus, HealthOptions options, TimeProvider time, ILogger logger)
    {
        _bus = bus;
        _options = options;
        _state = new MonitorState(time.GetUtcNow());
        _recorder = new TransitionRecorder(log, logger);
        _persister = new StatePersister(store, _state, logger);
        _machines = new MachinePresence(_state, _recorder, _persister, bus, options);
        _proxies = new ProxyHealth(_state, _recorder, _persister, bus);
        _views = new HealthViews(_state, options, time);
    }

    public TransitionLog Log => _recorder.Log;

    public HealthOptions Options => _options;

    /// <summary>
    /// Restores checks and remembered states. A corrupt file is kept as it is (never overwritten) and checks cannot be
    /// changed until someone fixes or removes it; the reason is returned so the capability can report it.
    /// </summary>
    public string? Load() => _persister.Load();

    /// <inheritdoc cref="MachinePresence.ApplyPresence"/>
    public void ApplyPresence(IReadOnlyList<MachineSighting> sightings, IReadOnlyCollection<string> members, DateTimeOffset now) =>
        _machines.ApplyPresence(sightings, members, now);

    /// <inheritdoc cref="ProxyHealth.ApplyProxies"/>
    public void ApplyProxies(IReadOnlyList<ProxyEntryFacts> entries, DateTimeOffset now) => _proxies.ApplyProxies(entries, now);

    public HealthStatusView Status(ICertificateFacts certificates, INameResolutionFacts names) => _views.Status(certificates, names);

    /// <inheritdoc cref="HealthViews.Counts"/>
    public (int Up, int Down, int Checks) Counts() => _views.Counts();

    public IReadOnlyList<CheckDefinition> Checks()
    {
        lock (_state.Gate)
        {
            var list = new List<CheckDefinition>(_state.Services.Count);
            foreach (var state in _state.Services.Values)
            {
                list.Add(state.Definition);
            }

            list.Sort((a, b) => string.Compare(a.Name, b.Name, StringComparison.OrdinalIgnoreCase));
            return list;
        }
    }

    /// <summary>Registers a check and saves it before anyone sees it; 409 when the name is taken.</summary>
    public void Add(CheckDefinition check)
    {
        lock (_state.Gate)
        {
            _state.ThrowIfUnwritable();
            if (_state.Services.ContainsKey(check.Name))
            {
                throw new KoiException(KoiErrorCode.Conflict, $"a check named '{check.Name}' already exists; remove it first to change it");
            }

            if (_state.Services.Count >= _options.MaxChecks)
            {
                throw new KoiException(KoiErrorCode.Conflict, $"there are already {_options.MaxChecks} checks, the most one daemon runs");
            }

            _state.Services[check.Name] = new ServiceState(check);
            _persister.SaveOrUndo(() => _state.Services.Remove(check.Name));
        }

        _bus.Publish(CapabilityNames.Health, CheckAddedEvent, check);
    }

    /// <summary>Removes a check; 404 when there is none by that name.</summary>
    public CheckDefinition Remove(string name)
    {
        CheckDefinition removed;
        lock (_state.Gate)
        {
            _state.ThrowIfUnwritable();
            if (!_state.Services.Remove(name, out var state))
            {
                throw new KoiException(KoiErrorCode.NotFound, $"no check named '{name}'");
            }

            removed = state.Definition;
            _persister.SaveOrUndo(() => _state.Services[removed.Name] = state);
        }

        _bus.Publish(CapabilityNames.Health, CheckRemovedEvent, removed);
        return removed;
    }

    /// <summary>Records one probe result; a result for a check removed (or replaced) meanwhile is dropped.</summary>
    public void ApplyProbe(CheckDefinition check, ProbeResult result, DateTimeOffset checkedAt, TimeSpan latency)
    {
        Transition? transition = null;
        BaselineEvent? baseline = null;
        lock (_state.Gate)
        {
            if (!_state.Services.TryGetValue(check.Name, out var state) || !ReferenceEquals(state.Definition, check))
            {
                return;
            }

            var before = state.Up;
            var beforeLabel = state.Label;
            state.Label = result.Label;
            state.Detail = result.Detail;
            state.CheckedAt = checkedAt;
            state.Latency = latency;
            if (before == result.Up)
            {
                return;
            }

            state.Up = result.Up;
            state.Since = checkedAt;
            if (before is not null)
            {
                transition = new Transition(checkedAt, check.Name, SubjectKind.Service, beforeLabel ?? "?", result.Label, result.Up, ServiceReason(check, result));
                _recorder.Record(transition);
            }
            else
            {
                baseline = new BaselineEvent(checkedAt, check.Name, SubjectKind.Service, result.Label, result.Up);
            }

            // The first result is a baseline, not a change; it is remembered so a restart compares against it.
            _persister.SaveQuietly();
        }

        if (transition is not null)
        {
            _bus.Publish(CapabilityNames.Health, TransitionEvent, transition);
        }

        if (baseline is not null)
        {
            _bus.Publish(CapabilityNames.Health, BaselineEventName, baseline);
        }
    }

    private static string ServiceReason(CheckDefinition check, ProbeResult result)
    {
        var kind = check.Kind == CheckKind.Http ? "HTTP" : "TCP";
        if (result.Up)
        {
            return $"{kind} check passed";
        }

        return result.Detail is null ? $"{kind} check failed" : $"{kind} check failed: {result.Detail}";
    }
}
