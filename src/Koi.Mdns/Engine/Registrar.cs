using System.Security.Cryptography;
using Koi.Core.Errors;
using Koi.Core.Status;
using Koi.Mdns.Naming;
using Koi.Mdns.Responding;
using Microsoft.Extensions.Logging;

namespace Koi.Mdns.Engine;

/// <summary>
/// The services announced from here: registering (validated, probed, renamed on conflict), withdrawing, listing, and
/// this daemon's own <c>_koi._tcp</c> announcement, reported as <c>mdns/self-announce</c>.
/// </summary>
internal sealed partial class Registrar(
    EngineGate gate,
    EngineState state,
    Responder responder,
    MdnsOptions options,
    ComponentHealth? selfHealth,
    ILogger logger)
{
    /// <summary>Raised after a service was registered or withdrawn; handlers must be quick and must not throw.</summary>
    public event EventHandler? Changed;

    /// <summary>
    /// Announces this daemon without anyone waiting. <c>mdns/self-announce</c> follows the registration from then on:
    /// starting while probing, running only once announcements went out on a link, failed while no link is open (as
    /// <c>mdns/engine</c> is) or when the registration was refused.
    /// </summary>
    public async Task AnnounceSelfInBackgroundAsync(KoiSelfAnnouncement self)
    {
        try
        {
            _ = await AnnounceSelfAsync(self, follow: selfHealth is null ? null : ReportSelf);
        }
        catch (Exception ex)
        {
            bool stopped;
            lock (state.Gate)
            {
                stopped = state.Stopped;
            }

            // Withdrawn by shutdown while probing is not a failure; DisposeAsync reports it stopped.
            if (!stopped)
            {
                selfHealth?.Failed($"announcing this daemon as _koi._tcp failed: {ex.GetType().Name}: {ex.Message}");
                LogSelfAnnounceFailed(logger, ex);
            }
        }
    }

    /// <summary>Under the engine's lock, whenever the self-announcement's state changes.</summary>
    private void ReportSelf(UniqueName self)
    {
        switch (self.State)
        {
            case ProbeState.Waiting:
                selfHealth?.Failed($"not announced: no mDNS socket is open (see mdns/engine); {self.Name} is announced as soon as an interface comes up");
                LogSelfWaiting(logger, self.Name);
                break;
            case ProbeState.Probing:
                selfHealth?.Starting();
                break;
            case ProbeState.Announcing:
                selfHealth?.Running($"announced as {self.Name}");
                LogSelfAnnounced(logger, self.Name);
                break;
            default:
                selfHealth?.Running($"announced as {self.Name}");
                break;
        }
    }

    /// <summary>
    /// Announces a service. Returns once probing ended (≈ 0.75–1 s), with the final name: <c>Name (2)</c> if another
    /// host had the name; or, when no link is open, at once in state <c>waiting</c> (kept, and probed and announced as
    /// soon as a link appears). Throws <see cref="KoiException"/> (invalid_request) for a bad field. Cancelling before it
    /// returns withdraws the registration.
    /// </summary>
    public Task<MdnsRegistration> RegisterAsync(ServiceRegistration registration, CancellationToken cancellationToken = default) =>
        RegisterAsync(registration, follow: null, cancellationToken);

    /// <param name="follow">Told of every change of the registration's state, under the engine's lock.</param>
    private async Task<MdnsRegistration> RegisterAsync(
        ServiceRegistration registration,
        Action<UniqueName>? follow,
        CancellationToken cancellationToken)
    {
        var valid = RegistrationValidator.Validate(registration);
        var service = gate.Run(_ =>
        {
            state.EnsureRunning();
            if (responder.Services.Count >= options.MaxRegistrations)
            {
                throw new KoiException(KoiErrorCode.RateLimited, $"at most {options.MaxRegistrations} services can be announced");
            }

            var host = responder.HostFor(valid.HostLabel, valid.Addresses);
            var created = new LocalService(
                RandomNumberGenerator.GetHexString(12, lowercase: true), valid.Label, valid.ServiceType, valid.Port, valid.Txt, host)
            {
                TxtProperties = valid.TxtProperties,
                StateChanged = follow,
            };
            responder.Add(created);
            return created;
        });

        try
        {
            await service.Established.Task.WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The caller never learns the id, so nobody could withdraw it later: withdraw it now.
            gate.Run(_ => responder.Remove(service.Id));
            throw;
        }
        catch (TaskCanceledException)
        {
            throw new KoiException(KoiErrorCode.NotFound, "the registration was withdrawn before it was announced");
        }

        Changed?.Invoke(this, EventArgs.Empty);
        return Describe(service) ?? throw new KoiException(KoiErrorCode.NotFound, "the registration was withdrawn");
    }

    /// <summary>Announces this daemon as <c>_koi._tcp</c> with TXT <c>version</c> and <c>api_port</c>.</summary>
    public Task<MdnsRegistration> AnnounceSelfAsync(KoiSelfAnnouncement self, CancellationToken cancellationToken = default) =>
        AnnounceSelfAsync(self, follow: null, cancellationToken);

    private Task<MdnsRegistration> AnnounceSelfAsync(KoiSelfAnnouncement self, Action<UniqueName>? follow, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(self);
        string label;
        lock (state.Gate)
        {
            label = responder.OwnHost.Label;
        }

        return RegisterAsync(
            new ServiceRegistration
            {
                Name = label,
                Type = "_koi._tcp",
                Port = self.ApiPort,
                Txt = new Dictionary<string, string>
                {
                    ["version"] = self.Version,
                    ["api_port"] = self.ApiPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
                },
            },
            follow,
            cancellationToken);
    }

    /// <summary>Withdraws a registration with goodbye packets; false when the id is unknown.</summary>
    public Task<bool> UnregisterAsync(string id)
    {
        var removed = gate.Run(_ => responder.Remove(id));
        if (removed)
        {
            Changed?.Invoke(this, EventArgs.Empty);
        }

        return Task.FromResult(removed);
    }

    public MdnsRegistration? GetRegistration(string id)
    {
        lock (state.Gate)
        {
            return responder.Find(id) is { } service ? DescribeLocked(service) : null;
        }
    }

    public IReadOnlyList<MdnsRegistration> Registrations()
    {
        lock (state.Gate)
        {
            var list = new List<MdnsRegistration>(responder.Services.Count);
            foreach (var service in responder.Services)
            {
                list.Add(DescribeLocked(service));
            }

            return list;
        }
    }

    private MdnsRegistration? Describe(LocalService service)
    {
        lock (state.Gate)
        {
            return responder.Find(service.Id) is null ? null : DescribeLocked(service);
        }
    }

    private static MdnsRegistration DescribeLocked(LocalService service) => new(
        service.Id,
        service.Label,
        ServiceTypeName.Format(service.ServiceType),
        service.Name.ToString(),
        service.Host.Name.ToString(),
        service.Port,
        service.TxtProperties,
        service.State.ToString().ToLowerInvariant());
}
