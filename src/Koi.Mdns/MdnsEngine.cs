using System.Runtime.CompilerServices;
using Koi.Core.Discovery;
using Koi.Core.Errors;
using Koi.Core.Networking;
using Koi.Core.Status;
using Koi.Mdns.Caching;
using Koi.Mdns.Discovery;
using Koi.Mdns.Engine;
using Koi.Mdns.Naming;
using Koi.Mdns.Querying;
using Koi.Mdns.Responding;
using Koi.Mdns.Scheduling;
using Koi.Mdns.Transport;
using Koi.Mdns.Wire;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Koi.Mdns;

/// <summary>
/// An mDNS / DNS-SD engine (RFC 6762, RFC 6763) on this machine's interfaces: it announces services (probing,
/// conflict renames, goodbyes), browses and resolves others, and keeps the registry of what it has seen. The daemon
/// holds one; the CLI creates its own when no daemon runs. Thread-safe.
/// </summary>
/// <example>
/// <code>
/// await using var engine = MdnsEngine.Create(new MdnsOptions { Interfaces = ["eth0"] });
/// await engine.StartAsync(ct);
/// var reg = await engine.RegisterAsync(new ServiceRegistration { Name = "My App", Type = "_http._tcp", Port = 8080 }, ct);
/// await foreach (var change in engine.BrowseAsync("_http._tcp", ct)) { ... }   // ends quietly when ct is cancelled
/// var service = await engine.ResolveAsync("My App._http._tcp", TimeSpan.FromSeconds(3), ct);
/// await engine.UnregisterAsync(reg.Id);   // goodbye packets
/// </code>
/// </example>
public sealed class MdnsEngine : IServiceDirectory, IServiceReconfirmer, ILocalAddresses, IAsyncDisposable
{
    private readonly MdnsOptions _options;
    private readonly IMdnsTransport _transport;
    private readonly TimeProvider _time;
    private readonly EngineState _state = new();
    private readonly PacketCounters _counters = new();
    private readonly EngineScheduler _scheduler;
    private readonly RecordCache _cache;
    private readonly Querier _querier;
    private readonly Reconfirmer _reconfirmer;
    private readonly Responder _responder;
    private readonly ServiceTracker _tracker;
    private readonly EngineGate _gate;
    private readonly PacketDispatcher _dispatcher;
    private readonly EngineClock _clock;
    private readonly EngineLinks _links;
    private readonly Registrar _registrar;
    private readonly ComponentHealth _engineHealth;
    private readonly ComponentHealth? _selfHealth;

    internal MdnsEngine(
        MdnsOptions options,
        IMdnsTransport transport,
        TimeProvider time,
        ILogger logger,
        StatusRegistry status,
        Random random)
    {
        _options = options;
        _transport = transport;
        _time = time;
        _engineHealth = status.Register("mdns", "engine");
        var schedulerHealth = status.Register("mdns", "scheduler");
        _selfHealth = options.SelfAnnouncement is null ? null : status.Register("mdns", "self-announce");
        var outbox = new Outbox();
        var sent = new SentPacketLog();
        // The timer fires only for work scheduled after construction, when _clock is set.
        _scheduler = new EngineScheduler(time, () => _clock!.OnTimer());
        _cache = new RecordCache(options.MaxCacheRecords);
        _querier = new Querier(_scheduler, random, outbox, _cache, options.MaxQuestions);
        _reconfirmer = new Reconfirmer(_scheduler, _cache, _querier);
        var hostLabel = options.HostName is { } name ? HostLabel.Validate(name) : HostLabel.FromMachineName(Environment.MachineName);
        _responder = new Responder(_scheduler, random, outbox, logger, hostLabel);
        _tracker = new ServiceTracker(_cache, options);
        _gate = new EngineGate(_state, time, transport, outbox, sent, _counters, _tracker, _querier);
        _dispatcher = new PacketDispatcher(_gate, _state, _counters, sent, _cache, _querier, _responder, _tracker, logger);
        _clock = new EngineClock(_gate, _state, _scheduler, random, _cache, _querier, _responder, _tracker, schedulerHealth, logger);
        _links = new EngineLinks(
            _gate,
            _state,
            transport,
            _responder,
            _querier,
            _tracker,
            _engineHealth,
            time,
            options.InterfaceCheckInterval,
            status.Register("mdns", "interface-watch"),
            logger);
        _links.AddressesChanged += (_, _) => Changed?.Invoke(this, EventArgs.Empty);
        _registrar = new Registrar(_gate, _state, _responder, options, _selfHealth, logger);
        _registrar.Changed += (_, _) => RegistrationsChanged?.Invoke(this, EventArgs.Empty);
    }

    /// <summary>
    /// Looks at the interfaces now instead of at the next check. The look happens on the calling thread, which matters
    /// where network namespaces are per thread (tests that enter one on a single thread).
    /// </summary>
    internal void CheckInterfacesNow() => _links.CheckNow();

    /// <inheritdoc/>
    public IReadOnlyList<System.Net.IPAddress> Current => _links.Current;

    /// <inheritdoc/>
    public event EventHandler? Changed;

    /// <summary>Raised after a service was registered or withdrawn here; handlers must be quick and must not throw.</summary>
    public event EventHandler? RegistrationsChanged;

    /// <summary>An engine on the real network, with interfaces chosen by <paramref name="options"/>.</summary>
    /// <param name="status">Where its loops report (<c>mdns/…</c>); the daemon passes its registry, the CLI may omit it.</param>
    public static MdnsEngine Create(
        MdnsOptions options,
        ILoggerFactory? loggers = null,
        StatusRegistry? status = null,
        TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        time ??= TimeProvider.System;
        status ??= new StatusRegistry(time);
        var logger = (loggers ?? NullLoggerFactory.Instance).CreateLogger("Koi.Mdns");
        var transport = new UdpMdnsTransport(options, status, logger);
        return new MdnsEngine(options, transport, time, logger, status, new Random());
    }

    /// <summary>Datagrams received, sent, and received but not decodable, since start; read without the engine's lock.</summary>
    public (long In, long Out, long Malformed) PacketCounts => (_counters.In, _counters.Out, _counters.Malformed);

    /// <summary>This machine's host name as announced, e.g. <c>stone-a.local</c> (changes if another host had it).</summary>
    public string HostName
    {
        get
        {
            lock (_state.Gate)
            {
                return _responder.OwnHost.Name.ToString();
            }
        }
    }

    /// <summary>Opens the sockets, starts probing the host name and, when configured, browsing and self-announcement.</summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        lock (_state.Gate)
        {
            ObjectDisposedException.ThrowIf(_state.Stopped, this);
            if (_state.Started)
            {
                return;
            }

            _state.Started = true;
        }

        _engineHealth.Starting();
        try
        {
            await _transport.StartAsync(_dispatcher.OnPacket, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            _selfHealth?.Failed($"not announced: the mDNS engine did not start: {ex.GetType().Name}: {ex.Message}");
            throw;
        }

        _gate.Run(now =>
        {
            _links.Start();
            _clock.Start();
            _tracker.InterestChanged = true;
        });
        _clock.ReportRunning();
        _links.StartWatching();

        if (_options.SelfAnnouncement is { } self)
        {
            // Probing takes about a second; the daemon need not wait for it to start serving.
            _ = _registrar.AnnounceSelfInBackgroundAsync(self);
        }
    }

    /// <summary>
    /// Announces a service. Returns once probing ended (≈ 0.75–1 s), with the final name: <c>Name (2)</c> if another
    /// host had the name; when no link is open, at once in state <c>waiting</c> (kept, and announced as soon as a link
    /// appears). Throws <see cref="KoiException"/> (invalid_request) for a bad field. Cancelling before it
    /// returns withdraws the registration.
    /// </summary>
    public Task<MdnsRegistration> RegisterAsync(ServiceRegistration registration, CancellationToken cancellationToken = default) =>
        _registrar.RegisterAsync(registration, cancellationToken);

    /// <summary>Announces this daemon as <c>_koi._tcp</c> with TXT <c>version</c> and <c>api_port</c>.</summary>
    public Task<MdnsRegistration> AnnounceSelfAsync(KoiSelfAnnouncement self, CancellationToken cancellationToken = default) =>
        _registrar.AnnounceSelfAsync(self, cancellationToken);

    /// <summary>Withdraws a registration with goodbye packets; false when the id is unknown.</summary>
    public Task<bool> UnregisterAsync(string id) => _registrar.UnregisterAsync(id);

    public MdnsRegistration? GetRegistration(string id) => _registrar.GetRegistration(id);

    public IReadOnlyList<MdnsRegistration> Registrations() => _registrar.Registrations();

    /// <summary>
    /// Browses <paramref name="serviceType"/> (every type when null): first what is already known, then
    /// found / resolved / removed as they happen. Ends quietly when <paramref name="cancellationToken"/> is cancelled.
    /// A bad type throws <see cref="KoiException"/> at once, before enumeration.
    /// </summary>
    public IAsyncEnumerable<ServiceChange> BrowseAsync(string? serviceType, CancellationToken cancellationToken = default)
    {
        var type = string.IsNullOrWhiteSpace(serviceType) ? null : ServiceTypeName.Parse(serviceType);
        return Browse(type, cancellationToken);
    }

    /// <inheritdoc cref="BrowseAsync"/>
    public IAsyncEnumerable<ServiceChange> WatchAsync(string? serviceType, CancellationToken cancellationToken) =>
        BrowseAsync(serviceType, cancellationToken);

    /// <summary>
    /// Resolves an instance such as <c>My App._http._tcp</c> (from the cache when possible), or null when nothing
    /// answered within <paramref name="timeout"/>.
    /// </summary>
    public async Task<DiscoveredService?> ResolveAsync(string instanceFullName, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var instance = InstanceName.ParseFullName(instanceFullName);
        var waiter = _gate.Run(now =>
        {
            _state.EnsureRunning();
            return _tracker.AddResolve(instance, now);
        });
        try
        {
            return await waiter.Task.WaitAsync(timeout, _time, cancellationToken);
        }
        catch (TimeoutException)
        {
            return null;
        }
        finally
        {
            _gate.Run(_ => _tracker.RemoveResolve(instance, waiter));
        }
    }

    public IReadOnlyList<DiscoveredService> Services(string? serviceType = null)
    {
        var type = string.IsNullOrWhiteSpace(serviceType) ? null : ServiceTypeName.Parse(serviceType);
        lock (_state.Gate)
        {
            return _tracker.Snapshot(type);
        }
    }

    /// <summary>RFC 6762 §10.4 for the instance's SRV record: asked for again, flushed within 10 s when unanswered.</summary>
    public bool Reconfirm(string instanceFullName)
    {
        var instance = InstanceName.ParseFullName(instanceFullName);
        return _gate.Run(_ => _state.IsRunning && _reconfirmer.Reconfirm(instance, Koi.Dns.Protocol.DnsType.SRV));
    }

    public DiscoveredService? Find(string fullName)
    {
        var instance = InstanceName.ParseFullName(fullName);
        lock (_state.Gate)
        {
            return _tracker.Find(instance);
        }
    }

    public MdnsStats Stats
    {
        get
        {
            lock (_state.Gate)
            {
                var interfaces = new List<MdnsInterfaceInfo>(_state.Links.Interfaces.Count);
                foreach (var nic in _state.Links.Interfaces)
                {
                    var addresses = new List<string>();
                    foreach (var address in nic.IPv4)
                    {
                        addresses.Add(address.ToString());
                    }

                    foreach (var address in nic.IPv6)
                    {
                        addresses.Add(address.ToString());
                    }

                    interfaces.Add(new MdnsInterfaceInfo(nic.Name, nic.Index, addresses));
                }

                return new MdnsStats(
                    _state.IsRunning,
                    _responder.OwnHost.Name.ToString(),
                    interfaces,
                    _responder.Services.Count,
                    _tracker.Count,
                    _cache.Count,
                    _cache.Evictions,
                    _querier.Count,
                    _counters.In,
                    _counters.Out,
                    _counters.Malformed,
                    _counters.OwnIgnored);
            }
        }
    }

    /// <summary>Sends goodbyes for everything announced, ends every browse and closes the sockets.</summary>
    public async ValueTask DisposeAsync()
    {
        var wasStarted = false;
        _gate.Run(_ =>
        {
            if (_state.Stopped)
            {
                return;
            }

            wasStarted = _state.Started;
            _state.Stopped = true;
            _responder.Shutdown();
            _tracker.CompleteAll();
        });

        _links.Dispose();
        lock (_state.Gate)
        {
            _scheduler.Dispose();
        }

        if (wasStarted)
        {
            await _transport.DisposeAsync();
        }

        _selfHealth?.Stopped("shut down");
        _clock.ReportStopped();
        _engineHealth.Stopped("shut down");
    }

    private async IAsyncEnumerable<ServiceChange> Browse(Koi.Dns.Protocol.DnsName? type, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var subscription = _gate.Run(_ =>
        {
            _state.EnsureRunning();
            return _tracker.Subscribe(type);
        });
        try
        {
            var reader = subscription.Events.Reader;
            while (true)
            {
                bool more;
                try
                {
                    more = await reader.WaitToReadAsync(cancellationToken);
                }
                catch (OperationCanceledException)
                {
                    more = false;
                }

                if (!more)
                {
                    yield break;
                }

                while (reader.TryRead(out var change))
                {
                    yield return change;
                }
            }
        }
        finally
        {
            _gate.Run(_ => _tracker.Unsubscribe(subscription));
        }
    }
}
