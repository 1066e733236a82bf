using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using Koi.Core.Discovery;
using Koi.Core.Errors;
using Koi.Core.Networking;
using Koi.Core.Status;
using Koi.Mdns.Caching;
using Koi.Mdns.Discovery;
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
public sealed partial class MdnsEngine : IServiceDirectory, ILocalAddresses, IAsyncDisposable
{
    private readonly MdnsOptions _options;
    private readonly IMdnsTransport _transport;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private readonly EngineScheduler _scheduler;
    private readonly Random _random;
    private readonly Outbox _outbox = new();
    private readonly PacketComposer _composer = new();
    private readonly SentPacketLog _sent = new();
    private readonly RecordCache _cache;
    private readonly Querier _querier;
    private readonly Responder _responder;
    private readonly ServiceTracker _tracker;
    private readonly HashSet<NameTypeKey> _desired = [];
    private readonly List<CachedRecord> _removed = [];
    private readonly ComponentHealth _engineHealth;
    private readonly ComponentHealth _schedulerHealth;
    private readonly ComponentHealth? _selfHealth;
    private readonly InterfaceWatch _watch;
    private LinkSet _links = LinkSet.Empty;
    private IReadOnlyList<System.Net.IPAddress> _addresses = [];
    private bool _started;
    private bool _stopped;
    private long _packetsIn;
    private long _packetsOut;
    private long _malformed;
    private long _ownIgnored;

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
        _logger = logger;
        _random = random;
        _engineHealth = status.Register("mdns", "engine");
        _schedulerHealth = status.Register("mdns", "scheduler");
        _selfHealth = options.SelfAnnouncement is null ? null : status.Register("mdns", "self-announce");
        _scheduler = new EngineScheduler(time, OnTimer);
        _cache = new RecordCache(options.MaxCacheRecords);
        _querier = new Querier(_scheduler, random, _outbox, _cache, options.MaxQuestions);
        var hostLabel = options.HostName is { } name ? HostLabel.Validate(name) : HostLabel.FromMachineName(Environment.MachineName);
        _responder = new Responder(_scheduler, random, _outbox, logger, hostLabel);
        _tracker = new ServiceTracker(_cache, options);
        _watch = new InterfaceWatch(
            transport, time, options.InterfaceCheckInterval, OnLinksChanged, status.Register("mdns", "interface-watch"), logger);
    }

    /// <summary>
    /// Looks at the interfaces now instead of at the next check. The look happens on the calling thread, which matters
    /// where network namespaces are per thread (tests that enter one on a single thread).
    /// </summary>
    internal void CheckInterfacesNow() => _watch.Check();

    /// <inheritdoc/>
    public IReadOnlyList<System.Net.IPAddress> Current => Volatile.Read(ref _addresses);

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
    public (long In, long Out, long Malformed) PacketCounts =>
        (Interlocked.Read(ref _packetsIn), Interlocked.Read(ref _packetsOut), Interlocked.Read(ref _malformed));

    /// <summary>This machine's host name as announced, e.g. <c>stone-a.local</c> (changes if another host had it).</summary>
    public string HostName
    {
        get
        {
            lock (_gate)
            {
                return _responder.OwnHost.Name.ToString();
            }
        }
    }

    /// <summary>Opens the sockets, starts probing the host name and, when configured, browsing and self-announcement.</summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_stopped, this);
            if (_started)
            {
                return;
            }

            _started = true;
        }

        _engineHealth.Starting();
        await _transport.StartAsync(OnPacket, cancellationToken);
        Run(now =>
        {
            _links = new LinkSet(_transport.Interfaces, _transport.Links);
            _addresses = AddressesOf(_links);
            _responder.Start(_links);
            _querier.Start(_links);
            _scheduler.After(TimeSpan.FromSeconds(1), Tick);
            _tracker.InterestChanged = true;
        });
        _schedulerHealth.Running(TickingDetail);
        ReportLinks();
        _watch.Start();

        if (_options.SelfAnnouncement is { } self)
        {
            // Probing takes about a second; the daemon need not wait for it to start serving.
            _ = AnnounceSelfInBackgroundAsync(self);
        }
    }

    /// <summary>
    /// The transport's interfaces or sockets changed: goodbyes for addresses gone, probing or announcing on the new set
    /// (<see cref="Responder.ChangeLinks"/>), questions asked on the new links, and <see cref="Changed"/> raised when the
    /// addresses differ. Runs on the interface watch's timer.
    /// </summary>
    private void OnLinksChanged()
    {
        var addressesChanged = Run(now =>
        {
            if (_stopped)
            {
                return false;
            }

            _links = new LinkSet(_transport.Interfaces, _transport.Links);
            _responder.ChangeLinks(_links);
            _querier.Start(_links);
            _tracker.InterestChanged = true;
            var addresses = AddressesOf(_links);
            var differ = !addresses.SequenceEqual(_addresses);
            Volatile.Write(ref _addresses, addresses);
            return differ;
        });
        ReportLinks();
        if (_logger.IsEnabled(LogLevel.Information))
        {
            string names;
            lock (_gate)
            {
                names = string.Join(", ", _links.Interfaces.Select(i => i.Name));
            }

            var addresses = string.Join(", ", Current);
            LogLinksChanged(_logger, names, addresses);
        }

        if (addressesChanged)
        {
            Changed?.Invoke(this, EventArgs.Empty);
        }
    }

    /// <summary>Running only while a socket is open; otherwise failed with the transport's reason (docs/mdns.md).</summary>
    private void ReportLinks()
    {
        LinkSet links;
        lock (_gate)
        {
            if (_stopped)
            {
                return;
            }

            links = _links;
        }

        if (links.Links.Count == 0)
        {
            // Without a socket nothing is sent or heard, so the engine must not look healthy; the transport says why.
            var reason = links.Interfaces.Count == 0
                ? $"no mDNS socket is open: {_transport.Problem ?? "no interface was selected"}"
                : $"no mDNS socket is open on {string.Join(", ", links.Interfaces.Select(i => i.Name))}: {_transport.Problem ?? "every socket failed to open"}";
            _engineHealth.Failed(reason);
            LogNoSockets(_logger, reason);
        }
        else
        {
            _engineHealth.Running($"{links.Interfaces.Count} interfaces, {links.Links.Count} sockets, host {HostName}");
            LogStarted(_logger, links.Interfaces.Count, HostName);
        }
    }

    private static List<System.Net.IPAddress> AddressesOf(LinkSet links)
    {
        var list = new List<System.Net.IPAddress>();
        foreach (var nic in links.Interfaces)
        {
            list.AddRange(nic.IPv4);
        }

        foreach (var nic in links.Interfaces)
        {
            list.AddRange(nic.IPv6);
        }

        return list;
    }

    private async Task AnnounceSelfInBackgroundAsync(KoiSelfAnnouncement self)
    {
        try
        {
            var registration = await AnnounceSelfAsync(self);
            _selfHealth?.Running($"announced as {registration.FullName}");
            LogSelfAnnounced(_logger, registration.FullName);
        }
        catch (Exception ex)
        {
            bool stopped;
            lock (_gate)
            {
                stopped = _stopped;
            }

            // Withdrawn by shutdown while probing is not a failure; DisposeAsync reports it stopped.
            if (!stopped)
            {
                _selfHealth?.Failed($"announcing this daemon as _koi._tcp failed: {ex.GetType().Name}: {ex.Message}");
                LogSelfAnnounceFailed(_logger, ex);
            }
        }
    }

    /// <summary>
    /// Announces a service. Returns once probing ended (≈ 0.75–1 s), with the final name: <c>Name (2)</c> if another
    /// host had the name. Throws <see cref="KoiException"/> (invalid_request) for a bad field. Cancelling before it
    /// returns withdraws the registration.
    /// </summary>
    public async Task<MdnsRegistration> RegisterAsync(ServiceRegistration registration, CancellationToken cancellationToken = default)
    {
        var valid = RegistrationValidator.Validate(registration);
        var service = Run(_ =>
        {
            EnsureRunning();
            if (_responder.Services.Count >= _options.MaxRegistrations)
            {
                throw new KoiException(KoiErrorCode.RateLimited, $"at most {_options.MaxRegistrations} services can be announced");
            }

            var host = _responder.HostFor(valid.HostLabel, valid.Addresses);
            var created = new LocalService(
                RandomNumberGenerator.GetHexString(12, lowercase: true), valid.Label, valid.ServiceType, valid.Port, valid.Txt, host)
            {
                TxtProperties = valid.TxtProperties,
            };
            _responder.Add(created);
            return created;
        });

        try
        {
            await service.Established.Task.WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The caller never learns the id, so nobody could withdraw it later: withdraw it now.
            Run(_ => _responder.Remove(service.Id));
            throw;
        }
        catch (TaskCanceledException)
        {
            throw new KoiException(KoiErrorCode.NotFound, "the registration was withdrawn before it was announced");
        }

        RegistrationsChanged?.Invoke(this, EventArgs.Empty);
        return Describe(service) ?? throw new KoiException(KoiErrorCode.NotFound, "the registration was withdrawn");
    }

    /// <summary>Announces this daemon as <c>_koi._tcp</c> with TXT <c>version</c> and <c>api_port</c>.</summary>
    public Task<MdnsRegistration> AnnounceSelfAsync(KoiSelfAnnouncement self, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(self);
        string label;
        lock (_gate)
        {
            label = _responder.OwnHost.Label;
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
            cancellationToken);
    }

    /// <summary>Withdraws a registration with goodbye packets; false when the id is unknown.</summary>
    public Task<bool> UnregisterAsync(string id)
    {
        var removed = Run(_ => _responder.Remove(id));
        if (removed)
        {
            RegistrationsChanged?.Invoke(this, EventArgs.Empty);
        }

        return Task.FromResult(removed);
    }

    public MdnsRegistration? GetRegistration(string id)
    {
        lock (_gate)
        {
            return _responder.Find(id) is { } service ? DescribeLocked(service) : null;
        }
    }

    public IReadOnlyList<MdnsRegistration> Registrations()
    {
        lock (_gate)
        {
            var list = new List<MdnsRegistration>(_responder.Services.Count);
            foreach (var service in _responder.Services)
            {
                list.Add(DescribeLocked(service));
            }

            return list;
        }
    }

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
        var waiter = Run(now =>
        {
            EnsureRunning();
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
            Run(_ => _tracker.RemoveResolve(instance, waiter));
        }
    }

    public IReadOnlyList<DiscoveredService> Services(string? serviceType = null)
    {
        var type = string.IsNullOrWhiteSpace(serviceType) ? null : ServiceTypeName.Parse(serviceType);
        lock (_gate)
        {
            return _tracker.Snapshot(type);
        }
    }

    public DiscoveredService? Find(string fullName)
    {
        var instance = InstanceName.ParseFullName(fullName);
        lock (_gate)
        {
            return _tracker.Find(instance);
        }
    }

    public MdnsStats Stats
    {
        get
        {
            lock (_gate)
            {
                var interfaces = new List<MdnsInterfaceInfo>(_links.Interfaces.Count);
                foreach (var nic in _links.Interfaces)
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
                    _started && !_stopped,
                    _responder.OwnHost.Name.ToString(),
                    interfaces,
                    _responder.Services.Count,
                    _tracker.Count,
                    _cache.Count,
                    _cache.Evictions,
                    _querier.Count,
                    Interlocked.Read(ref _packetsIn),
                    Interlocked.Read(ref _packetsOut),
                    Interlocked.Read(ref _malformed),
                    Interlocked.Read(ref _ownIgnored));
            }
        }
    }

    /// <summary>Sends goodbyes for everything announced, ends every browse and closes the sockets.</summary>
    public async ValueTask DisposeAsync()
    {
        var wasStarted = false;
        Run(_ =>
        {
            if (_stopped)
            {
                return;
            }

            wasStarted = _started;
            _stopped = true;
            _responder.Shutdown();
            _tracker.CompleteAll();
        });

        _watch.Dispose();
        lock (_gate)
        {
            _scheduler.Dispose();
        }

        if (wasStarted)
        {
            await _transport.DisposeAsync();
        }

        _selfHealth?.Stopped("shut down");
        _schedulerHealth.Stopped("shut down");
        _engineHealth.Stopped("shut down");
    }

    private async IAsyncEnumerable<ServiceChange> Browse(Koi.Dns.Protocol.DnsName? type, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var subscription = Run(_ =>
        {
            EnsureRunning();
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
            Run(_ => _tracker.Unsubscribe(subscription));
        }
    }

    private void EnsureRunning()
    {
        if (!_started || _stopped)
        {
            throw new KoiException(KoiErrorCode.Unavailable, _stopped ? "the mDNS engine has stopped" : "the mDNS engine is not started");
        }
    }

    private MdnsRegistration? Describe(LocalService service)
    {
        lock (_gate)
        {
            return _responder.Find(service.Id) is null ? null : DescribeLocked(service);
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
