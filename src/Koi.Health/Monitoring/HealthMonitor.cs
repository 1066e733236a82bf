using Koi.Core.Capabilities;
using Koi.Core.Errors;
using Koi.Core.Events;
using Koi.Health.Checks;
using Koi.Health.Probes;
using Koi.Health.State;
using Koi.Health.Transitions;
using Microsoft.Extensions.Logging;

namespace Koi.Health.Monitoring;

/// <summary>
/// The state of every check, machine and proxy entry, and the one place that decides a transition happened: it writes the line to
/// <c>logs/health.log</c>, publishes the <c>transition</c> event and remembers the state in <c>state/health.json</c>.
/// Repeated results in the same state change nothing but the "checked" time, so the log holds transitions only.
/// </summary>
internal sealed partial class HealthMonitor
{
    public const string TransitionEvent = "transition";
    public const string BaselineEventName = "baseline";
    public const string CheckAddedEvent = "check_added";
    public const string CheckRemovedEvent = "check_removed";

    private readonly Lock _gate = new();
    private readonly Dictionary<string, ServiceState> _services = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, MachineState> _machines = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ProxyState> _proxies = new(StringComparer.OrdinalIgnoreCase);
    private readonly HealthStateStore _store;
    private readonly TransitionLog _log;
    private readonly IEventBus _bus;
    private readonly HealthOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly DateTimeOffset _startedAt;
    private string? _unwritable;

    public HealthMonitor(HealthStateStore store, TransitionLog log, IEventBus bus, HealthOptions options, TimeProvider time, ILogger logger)
    {
        _store = store;
        _log = log;
        _bus = bus;
        _options = options;
        _time = time;
        _logger = logger;
        _startedAt = time.GetUtcNow();
    }

    public TransitionLog Log => _log;

    public HealthOptions Options => _options;

    /// <summary>
    /// Restores checks and remembered states. A corrupt file is kept as it is (never overwritten) and checks cannot be
    /// changed until someone fixes or removes it; the reason is returned so the capability can report it.
    /// </summary>
    public string? Load()
    {
        HealthDocument document;
        try
        {
            document = _store.Load();
        }
        catch (Exception ex) when (ex is InvalidDataException or IOException or UnauthorizedAccessException)
        {
            lock (_gate)
            {
                _unwritable = $"{_store.Path} cannot be read ({ex.Message}); fix or remove it and restart the daemon";
            }

            return _unwritable;
        }

        lock (_gate)
        {
            _services.Clear();
            foreach (var check in document.Checks)
            {
                _services[check.Name] = new ServiceState(check);
            }

            foreach (var remembered in document.Services)
            {
                if (_services.TryGetValue(remembered.Name, out var state))
                {
                    (state.Up, state.Label, state.Since) = (remembered.Up, remembered.Label, remembered.Since);
                }
            }

            foreach (var remembered in document.Machines)
            {
                var machine = new MachineState(remembered.Name)
                {
                    Up = remembered.Up,
                    Since = remembered.Since,
                    LastSeen = remembered.LastSeen,
                };
                _machines[machine.Name] = machine;
            }

            _proxies.Clear();
            foreach (var remembered in document.Proxies)
            {
                _proxies[remembered.Name] = new ProxyState(remembered.Name) { Up = remembered.Up, Since = remembered.Since };
            }
        }

        return null;
    }

    public IReadOnlyList<CheckDefinition> Checks()
    {
        lock (_gate)
        {
            var list = new List<CheckDefinition>(_services.Count);
            foreach (var state in _services.Values)
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
        lock (_gate)
        {
            ThrowIfUnwritable();
            if (_services.ContainsKey(check.Name))
            {
                throw new KoiException(KoiErrorCode.Conflict, $"a check named '{check.Name}' already exists; remove it first to change it");
            }

            if (_services.Count >= _options.MaxChecks)
            {
                throw new KoiException(KoiErrorCode.Conflict, $"there are already {_options.MaxChecks} checks, the most one daemon runs");
            }

            _services[check.Name] = new ServiceState(check);
            SaveOrUndo(() => _services.Remove(check.Name));
        }

        _bus.Publish(CapabilityNames.Health, CheckAddedEvent, check);
    }

    /// <summary>Removes a check; 404 when there is none by that name.</summary>
    public CheckDefinition Remove(string name)
    {
        CheckDefinition removed;
        lock (_gate)
        {
            ThrowIfUnwritable();
            if (!_services.Remove(name, out var state))
            {
                throw new KoiException(KoiErrorCode.NotFound, $"no check named '{name}'");
            }

            removed = state.Definition;
            SaveOrUndo(() => _services[removed.Name] = state);
        }

        _bus.Publish(CapabilityNames.Health, CheckRemovedEvent, removed);
        return removed;
    }

    /// <summary>Records one probe result; a result for a check removed (or replaced) meanwhile is dropped.</summary>
    public void ApplyProbe(CheckDefinition check, ProbeResult result, DateTimeOffset checkedAt, TimeSpan latency)
    {
        Transition? transition = null;
        BaselineEvent? baseline = null;
        lock (_gate)
        {
            if (!_services.TryGetValue(check.Name, out var state) || !ReferenceEquals(state.Definition, check))
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
                Record(transition);
            }
            else
            {
                baseline = new BaselineEvent(checkedAt, check.Name, SubjectKind.Service, result.Label, result.Up);
            }

            // The first result is a baseline, not a change; it is remembered so a restart compares against it.
            SaveQuietly();
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

    // Caller holds _gate. Appending under the lock keeps the file in the order transitions were decided.
    private void Record(Transition transition)
    {
        LogTransition(_logger, transition.Subject, transition.From, transition.To, transition.Reason);
        try
        {
            _log.Append(transition);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            LogAppendFailed(_logger, ex);
        }
    }

    private void ThrowIfUnwritable()
    {
        if (_unwritable is not null)
        {
            throw new KoiException(KoiErrorCode.Unavailable, _unwritable);
        }
    }

    // Caller holds _gate. A check change that cannot be saved is undone and fails the request.
    private void SaveOrUndo(Action undo)
    {
        try
        {
            _store.Save(Document());
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            undo();
            throw new KoiException(KoiErrorCode.Internal, $"could not save {_store.Path}: {ex.Message}", ex);
        }
    }

    // Caller holds _gate. Remembered states are a convenience across restarts; failing to save one is logged only.
    private void SaveQuietly()
    {
        if (_unwritable is not null)
        {
            return;
        }

        try
        {
            _store.Save(Document());
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            LogSaveFailed(_logger, ex);
        }
    }

    // Caller holds _gate.
    private HealthDocument Document()
    {
        var checks = new List<CheckDefinition>(_services.Count);
        var services = new List<RememberedState>();
        foreach (var state in _services.Values)
        {
            checks.Add(state.Definition);
            if (state is { Up: { } up, Label: { } label, Since: { } since })
            {
                services.Add(new RememberedState(state.Definition.Name, up, label, since));
            }
        }

        var machines = new List<RememberedState>();
        foreach (var machine in _machines.Values)
        {
            if (machine is { Up: { } up, Since: { } since })
            {
                machines.Add(new RememberedState(machine.Name, up, up ? "up" : "down", since, machine.LastSeen));
            }
        }

        var proxies = new List<RememberedState>();
        foreach (var proxy in _proxies.Values)
        {
            if (proxy is { Up: { } up, Since: { } since })
            {
                proxies.Add(new RememberedState(proxy.Name, up, up ? "up" : "down", since));
            }
        }

        checks.Sort((a, b) => string.Compare(a.Name, b.Name, StringComparison.OrdinalIgnoreCase));
        services.Sort((a, b) => string.Compare(a.Name, b.Name, StringComparison.OrdinalIgnoreCase));
        machines.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
        proxies.Sort((a, b) => string.Compare(a.Name, b.Name, StringComparison.OrdinalIgnoreCase));
        return new HealthDocument { Checks = checks, Services = services, Machines = machines, Proxies = proxies };
    }
}
