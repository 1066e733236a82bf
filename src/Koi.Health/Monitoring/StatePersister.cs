using Koi.Core.Errors;
using Koi.Health.Checks;
using Koi.Health.State;
using Microsoft.Extensions.Logging;

namespace Koi.Health.Monitoring;

/// <summary>
/// Checks and remembered states in <c>state/health.json</c>: restored at start, saved after each change — a check
/// change that cannot be saved is undone, a remembered state that cannot be saved is only logged.
/// </summary>
internal sealed partial class StatePersister(HealthStateStore store, MonitorState state, ILogger logger)
{
    /// <summary>
    /// Restores checks and remembered states. A corrupt file is kept as it is (never overwritten) and checks cannot be
    /// changed until someone fixes or removes it; the reason is returned so the capability can report it.
    /// </summary>
    public string? Load()
    {
        HealthDocument document;
        try
        {
            document = store.Load();
        }
        catch (Exception ex) when (ex is InvalidDataException or IOException or UnauthorizedAccessException)
        {
            lock (state.Gate)
            {
                state.Unwritable = $"{store.Path} cannot be read ({ex.Message}); fix or remove it and restart the daemon";
            }

            return state.Unwritable;
        }

        lock (state.Gate)
        {
            state.Services.Clear();
            foreach (var check in document.Checks)
            {
                state.Services[check.Name] = new ServiceState(check);
            }

            foreach (var remembered in document.Services)
            {
                if (state.Services.TryGetValue(remembered.Name, out var service))
                {
                    (service.Up, service.Label, service.Since) = (remembered.Up, remembered.Label, remembered.Since);
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
                state.Machines[machine.Name] = machine;
            }

            state.Proxies.Clear();
            foreach (var remembered in document.Proxies)
            {
                state.Proxies[remembered.Name] = new ProxyState(remembered.Name) { Up = remembered.Up, Since = remembered.Since };
            }
        }

        return null;
    }

    // Caller holds the lock. A check change that cannot be saved is undone and fails the request.
    public void SaveOrUndo(Action undo)
    {
        try
        {
            store.Save(Document());
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            undo();
            throw new KoiException(KoiErrorCode.Internal, $"could not save {store.Path}: {ex.Message}", ex);
        }
    }

    // Caller holds the lock. Remembered states are a convenience across restarts; failing to save one is logged only.
    public void SaveQuietly()
    {
        if (state.Unwritable is not null)
        {
            return;
        }

        try
        {
            store.Save(Document());
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            LogSaveFailed(logger, ex);
        }
    }

    // Caller holds the lock.
    private HealthDocument Document()
    {
        var checks = new List<CheckDefinition>(state.Services.Count);
        var services = new List<RememberedState>();
        foreach (var service in state.Services.Values)
        {
            checks.Add(service.Definition);
            if (service is { Up: { } up, Label: { } label, Since: { } since })
            {
                services.Add(new RememberedState(service.Definition.Name, up, label, since));
            }
        }

        var machines = new List<RememberedState>();
        foreach (var machine in state.Machines.Values)
        {
            if (machine is { Up: { } up, Since: { } since })
            {
                machines.Add(new RememberedState(machine.Name, up, up ? "up" : "down", since, machine.LastSeen));
            }
        }

        var proxies = new List<RememberedState>();
        foreach (var proxy in state.Proxies.Values)
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
