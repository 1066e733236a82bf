using System.Net;
using Koi.Core.Errors;
using Koi.Core.Naming;
using Koi.Core.Net;
using Koi.Core.Status;
using Koi.Dns.Api;
using Koi.Dns.Forwarding;
using Koi.Dns.Resolving;
using Koi.Dns.Safety;
using Koi.Dns.Settings;
using Koi.Dns.Sources;
using Koi.Dns.Zone;
using Microsoft.Extensions.Logging;

namespace Koi.Dns.Hosting;

/// <summary>
/// The DNS capability at run time: persisted state, the zone maintainer, and the current serving run. Serve, stop and
/// entry changes go through here one at a time; queries never do (they read the snapshot and the run directly).
/// </summary>
internal sealed partial class DnsService : IAsyncDisposable
{
    private const int MaxStaticEntries = 10_000;
    private const string AdvertisedType = "_dns._udp";

    private int _disposed;
    private readonly DnsStateStore _store;
    private readonly DnsCapabilityOptions _options;
    private readonly IServiceAdvertiser _advertiser;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ComponentHealth _udpHealth;
    private readonly ComponentHealth _tcpHealth;
    private readonly ComponentHealth _zoneHealth;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private DnsServerRun? _run;
    private IAsyncDisposable? _advertisement;
    private string? _error;
    private bool _started;

    // Which serving run a listener's "I stopped" belongs to: one from a run already replaced is ignored.
    private int _runGeneration;

    public DnsService(
        DnsStateStore store,
        Func<DnsStateStore, ComponentHealth, ZoneMaintainer> createMaintainer,
        DnsCapabilityOptions options,
        IServiceAdvertiser advertiser,
        StatusRegistry status,
        TimeProvider time,
        ILogger logger)
    {
        _store = store;
        _options = options;
        _advertiser = advertiser;
        _time = time;
        _logger = logger;
        _zoneHealth = status.Register("dns", "zone");
        _udpHealth = status.Register("dns", "udp");
        _tcpHealth = status.Register("dns", "tcp");
        Maintainer = createMaintainer(store, _zoneHealth);
    }

    public ZoneMaintainer Maintainer { get; }

    public DnsCounters Counters { get; } = new();

    public ZoneSnapshot Zone => Maintainer.Holder.Current;

    public DnsSettings Settings => _store.Current.Settings;

    /// <summary>The endpoints actually bound (port 0 resolved), UDP; empty while not serving.</summary>
    public IReadOnlyList<IPEndPoint> UdpEndpoints => _run?.UdpEndpoints ?? [];

    /// <summary>The current run's UDP sockets' descriptors, for tests that break one.</summary>
    internal IReadOnlyList<int> UdpDescriptors => _run?.UdpDescriptors ?? [];

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            try
            {
                _store.Load();
            }
            catch (Exception ex) when (ex is InvalidDataException or IOException or UnauthorizedAccessException)
            {
                // Serving from a guess could expose names the operator removed: stay down and say why.
                _zoneHealth.Failed(ex.Message);
                _udpHealth.Failed("state unreadable");
                _tcpHealth.Failed("state unreadable");
                _error = ex.Message;
                return;
            }

            Maintainer.Start();
            _started = true;
            if (!Settings.Serving)
            {
                MarkNotServing();
                return;
            }

            try
            {
                await StartRunAsync(Settings, cancellationToken);
            }
            catch (KoiException ex)
            {
                // Still meant to serve: the setting stays, so the next start (or `koi dns serve`) tries again.
                MarkFailed(ex.Message);
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    public async Task<DnsStatusView> ServeAsync(ServeRequest request, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            EnsureStarted();
            var previous = Settings;
            var next = Merge(previous, request) with { Serving = true };
            _ = ServePlan.From(next, _options);
            await StopRunAsync();
            try
            {
                await StartRunAsync(next, cancellationToken);
            }
            catch (KoiException)
            {
                // A failed request changes nothing: what served before serves again.
                if (previous.Serving)
                {
                    await TryRestartAsync(previous, cancellationToken);
                }
                else
                {
                    MarkNotServing();
                }

                throw;
            }

            _store.Update(state => state with { Settings = next });
            Maintainer.Rebuild();
            return Status();
        }
        finally
        {
            _gate.Release();
        }
    }

    public async Task<DnsStatusView> StopServingAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            EnsureStarted();
            await StopRunAsync();
            _store.Update(state => state.Settings.Serving ? state with { Settings = state.Settings with { Serving = false } } : state);
            MarkNotServing();
            return Status();
        }
        finally
        {
            _gate.Release();
        }
    }

    public async Task<EntryAdded> AddEntryAsync(EntryRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        await _gate.WaitAsync(cancellationToken);
        try
        {
            EnsureStarted();
            var name = Qualify(request.Name);
            var address = StaticAddress(request.Address);
            var created = false;
            _store.Update(state =>
            {
                foreach (var entry in state.Entries)
                {
                    if (entry.Name == name && entry.Address == address)
                    {
                        return state;
                    }
                }

                if (state.Entries.Count >= MaxStaticEntries)
                {
                    throw new KoiException(KoiErrorCode.Conflict, $"there are already {MaxStaticEntries} static entries");
                }

                created = true;
                return state with { Entries = [.. state.Entries, new StaticEntry(name, address)] };
            });
            var snapshot = Maintainer.Rebuild();
            var shadows = new List<string>();
            foreach (var shadow in snapshot.Shadowed)
            {
                if (shadow.Name == name)
                {
                    shadows.Add(shadow.Hidden.ToString().ToLowerInvariant());
                }
            }

            return new EntryAdded(name, address, created, shadows);
        }
        finally
        {
            _gate.Release();
        }
    }

    public async Task<EntryRemoved> RemoveEntryAsync(string? rawName, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            EnsureStarted();
            var name = Qualify(rawName);
            var removed = 0;
            _store.Update(state =>
            {
                var kept = new List<StaticEntry>();
                foreach (var entry in state.Entries)
                {
                    if (entry.Name == name)
                    {
                        removed++;
                    }
                    else
                    {
                        kept.Add(entry);
                    }
                }

                return removed == 0 ? state : state with { Entries = kept };
            });
            if (removed == 0)
            {
                throw new KoiException(KoiErrorCode.NotFound, $"there is no static entry {name}");
            }

            Maintainer.Rebuild();
            return new EntryRemoved(name, removed);
        }
        finally
        {
            _gate.Release();
        }
    }

    public DnsStatusView Status()
    {
        var settings = Settings;
        var run = _run;
        var zone = Zone;
        var counts = zone.NameCounts;
        var limiter = run?.Resolver.Handler.Policy.Limiter;
        IReadOnlyList<string> listen;
        IReadOnlyList<string> upstreams;
        bool fromSystem;
        if (run is not null)
        {
            listen = Describe(run.UdpEndpoints);
            upstreams = Format(run.Plan.Upstreams);
            fromSystem = run.Plan.UpstreamsFromSystem;
        }
        else
        {
            listen = settings.Listen;
            upstreams = settings.Upstreams;
            fromSystem = settings.Upstreams.Count == 0;
        }

        return new DnsStatusView(
            Serving: run is not null,
            Zone: zone.ZoneText,
            Port: settings.Port,
            Listen: listen,
            Upstreams: upstreams,
            UpstreamSource: fromSystem ? "system" : "configured",
            ServiceAliases: settings.ServiceAliases,
            AllowPublicClients: settings.AllowPublicClients,
            RateLimit: new RateLimitView(settings.RateLimitQps, settings.RateLimitBurst, settings.RateLimitSlip, limiter?.TrackedClients ?? 0),
            Names: new NameCountsView(
                counts.GetValueOrDefault(ZoneSource.Static),
                counts.GetValueOrDefault(ZoneSource.Certmesh),
                counts.GetValueOrDefault(ZoneSource.Mdns),
                counts.GetValueOrDefault(ZoneSource.Static) + counts.GetValueOrDefault(ZoneSource.Certmesh) + counts.GetValueOrDefault(ZoneSource.Mdns)),
            Shadowed: zone.Shadowed,
            Counters: new CountersView(Counters.Answered, Counters.Forwarded, Counters.Refused, Counters.RateLimited, Counters.Slipped, Counters.Malformed, Counters.UpstreamFailures),
            Serial: zone.Serial,
            MdnsSource: Maintainer.WatchesMdns,
            Advertised: _advertisement is not null,
            Error: _error);
    }

    /// <summary>Asks koi's own resolver, as a client on this machine would, and says which source answered.</summary>
    public Task<LookupView> LookupAsync(string? name, string? type, CancellationToken cancellationToken) =>
        SelfLookup.RunAsync(this, name, type, cancellationToken);

    /// <summary>The forwarder of the current run, or one made for this call from the settings (caller disposes it).</summary>
    internal (UpstreamForwarder Forwarder, bool Owned) ForwarderForLookup()
    {
        if (_run is { } run)
        {
            return (run.Resolver.Forwarder, false);
        }

        var plan = ServePlan.From(Settings, _options);
        return (new UpstreamForwarder(plan.Upstreams, _options.UpstreamTimeout, _options.MaxForwardsInFlight, new DnsCounters(), _time, _logger), true);
    }

    internal ILogger Logger => _logger;

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _gate.WaitAsync();
        try
        {
            await StopRunAsync();
            await Maintainer.DisposeAsync();
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task StartRunAsync(DnsSettings settings, CancellationToken cancellationToken)
    {
        _udpHealth.Starting();
        _tcpHealth.Starting();
        var plan = ServePlan.From(settings, _options);
        if (plan.Upstreams.Count == 0)
        {
            NoUpstreams(_logger);
        }

        var limiter = new ClientRateLimiter(settings.RateLimitQps, settings.RateLimitBurst, _options.MaxTrackedClients, _time, settings.RateLimitSlip);
        var handler = new QueryHandler(Maintainer.Holder, new QueryPolicy(settings.AllowPublicClients, limiter), Counters, _logger);
        var generation = Interlocked.Increment(ref _runGeneration);
        void Stopped(ComponentHealth health, string reason)
        {
            if (Volatile.Read(ref _runGeneration) == generation)
            {
                _error = $"{reason}; `koi dns serve` starts serving afresh";
                health.Failed(_error);
            }
        }

        var forwarder = new UpstreamForwarder(
            plan.Upstreams, _options.UpstreamTimeout, _options.MaxForwardsInFlight, Counters, _time, _logger, reason => Stopped(_udpHealth, reason));
        var resolver = new Resolver(handler, forwarder, Counters);
        try
        {
            _run = await DnsServerRun.StartAsync(
                plan, resolver, _options, _time, _logger, reason => Stopped(_udpHealth, reason), reason => Stopped(_tcpHealth, reason));
        }
        catch (KoiException ex)
        {
            MarkFailed(ex.Message);
            throw;
        }

        _error = null;
        var upstreamText = plan.Upstreams.Count == 0 ? "no upstream" : "upstream " + string.Join(", ", Format(plan.Upstreams));
        var endpoints = string.Join(", ", Describe(_run.UdpEndpoints));
        _udpHealth.Running($"{endpoints}; {_options.UdpReceiveLoops} receive loops; {upstreamText}");
        _tcpHealth.Running(string.Join(", ", Describe(_run.TcpEndpoints)));
        Serving(_logger, settings.Zone, endpoints);
        await AdvertiseAsync(_run.UdpEndpoints[0].Port, settings.Zone, cancellationToken);
    }

    private async Task StopRunAsync()
    {
        Interlocked.Increment(ref _runGeneration);
        if (_advertisement is { } advertisement)
        {
            _advertisement = null;
            await advertisement.DisposeAsync();
        }

        if (_run is { } run)
        {
            _run = null;
            await run.DisposeAsync();
        }
    }

    private async Task TryRestartAsync(DnsSettings settings, CancellationToken cancellationToken)
    {
        try
        {
            await StartRunAsync(settings, cancellationToken);
        }
        catch (KoiException ex)
        {
            MarkFailed(ex.Message);
        }
    }

    private async Task AdvertiseAsync(int port, string zone, CancellationToken cancellationToken)
    {
        if (!_options.Advertise)
        {
            return;
        }

        try
        {
            _advertisement = await _advertiser.AdvertiseAsync(
                new AdvertisedService($"koi dns on {Environment.MachineName}", AdvertisedType, port, new Dictionary<string, string> { ["zone"] = zone }),
                cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Advertising is a convenience (seed 001 §5.5); resolving works without it.
            AdvertiseFailed(_logger, ex);
        }
    }

    private void MarkNotServing()
    {
        _udpHealth.Stopped("not serving; run `koi dns serve`");
        _tcpHealth.Stopped("not serving; run `koi dns serve`");
    }

    private void MarkFailed(string reason)
    {
        _error = reason;
        _udpHealth.Failed(reason);
        _tcpHealth.Failed(reason);
        ServeFailed(_logger, reason);
    }

    private void EnsureStarted()
    {
        if (!_started)
        {
            throw new KoiException(KoiErrorCode.Unavailable, _error ?? "the DNS capability is still starting");
        }
    }

    private string Qualify(string? name) =>
        ZoneNames.TryQualify(name, Settings.Zone, out var full, out var error)
            ? full
            : throw new KoiException(KoiErrorCode.InvalidRequest, error);

    private static string StaticAddress(string? text)
    {
        if (!IPAddress.TryParse(text?.Trim(), out var address) || text.Contains('%', StringComparison.Ordinal))
        {
            throw new KoiException(KoiErrorCode.InvalidRequest, $"'{text}' is not an IPv4 or IPv6 address");
        }

        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        return IpRanges.IsLocalScope(address)
            ? address.ToString()
            : throw new KoiException(
                KoiErrorCode.InvalidRequest,
                $"{address} is a public address; names in the zone resolve only to private addresses " +
                "(10/8, 172.16/12, 192.168/16, 100.64/10, 127/8, 169.254/16, fc00::/7, fe80::/10, ::1)");
    }

    private static DnsSettings Merge(DnsSettings current, ServeRequest request)
    {
        var zone = request.Zone is null ? current.Zone : ZoneNames.HostName(request.Zone)
            ?? throw new KoiException(KoiErrorCode.InvalidRequest, $"zone '{request.Zone}' is not a valid domain name");
        return current with
        {
            Zone = zone,
            Port = request.Port ?? current.Port,
            Upstreams = request.Upstreams is null ? current.Upstreams : Without(request.Upstreams, "system"),
            Listen = request.Listen is null ? current.Listen : Without(request.Listen, "lan"),
            ServiceAliases = request.ServiceAliases ?? current.ServiceAliases,
            AllowPublicClients = request.AllowPublicClients ?? current.AllowPublicClients,
            RateLimitQps = request.RateLimitQps ?? current.RateLimitQps,
            RateLimitBurst = request.RateLimitBurst ?? current.RateLimitBurst,
            RateLimitSlip = request.RateLimitSlip ?? current.RateLimitSlip,
        };
    }

    private static List<string> Without(IReadOnlyList<string> values, string keyword)
    {
        var result = new List<string>();
        foreach (var value in values)
        {
            if (!string.Equals(value, keyword, StringComparison.OrdinalIgnoreCase))
            {
                result.Add(value.Trim());
            }
        }

        return result;
    }

    private static List<string> Describe(IReadOnlyList<IPEndPoint> endpoints)
    {
        var result = new List<string>(endpoints.Count);
        foreach (var endpoint in endpoints)
        {
            result.Add(endpoint.ToString());
        }

        return result;
    }

    private static List<string> Format(IReadOnlyList<IPEndPoint> endpoints)
    {
        var result = new List<string>(endpoints.Count);
        foreach (var endpoint in endpoints)
        {
            result.Add(UpstreamList.Format(endpoint));
        }

        return result;
    }
}
