using System.Net;
using Koi.Core.Errors;
using Koi.Core.Naming;
using Koi.Core.Status;
using Koi.Dns.Api;
using Koi.Dns.Forwarding;
using Koi.Dns.Resolving;
using Koi.Dns.Settings;
using Koi.Dns.Sources;
using Koi.Dns.Zone;
using Microsoft.Extensions.Logging;

namespace Koi.Dns.Hosting;

/// <summary>
/// The DNS capability's operations: persisted state, the zone maintainer, and the serving run
/// (<see cref="DnsRunSupervisor"/>). Serve, stop and entry changes go through here one at a time; queries never do
/// (they read the snapshot and the run directly).
/// </summary>
internal sealed class DnsService : IAsyncDisposable
{
    private int _disposed;
    private readonly DnsStateStore _store;
    private readonly DnsCapabilityOptions _options;
    private readonly ILogger _logger;
    private readonly ComponentHealth _zoneHealth;
    private readonly DnsRunSupervisor _serving;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private bool _started;

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
        _logger = logger;
        _zoneHealth = status.Register("dns", "zone");
        var udpHealth = status.Register("dns", "udp");
        var tcpHealth = status.Register("dns", "tcp");
        Maintainer = createMaintainer(store, _zoneHealth);
        _serving = new DnsRunSupervisor(Maintainer.Holder, Counters, options, advertiser, udpHealth, tcpHealth, time, logger);
    }

    public ZoneMaintainer Maintainer { get; }

    public DnsCounters Counters { get; } = new();

    public ZoneSnapshot Zone => Maintainer.Holder.Current;

    public DnsSettings Settings => _store.Current.Settings;

    /// <summary>The endpoints actually bound (port 0 resolved), UDP; empty while not serving.</summary>
    public IReadOnlyList<IPEndPoint> UdpEndpoints => _serving.Run?.UdpEndpoints ?? [];

    /// <summary>The current run's UDP sockets' descriptors, for tests that break one.</summary>
    internal IReadOnlyList<int> UdpDescriptors => _serving.Run?.UdpDescriptors ?? [];

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
                _serving.MarkStateUnreadable(ex.Message);
                return;
            }

            Maintainer.Start();
            _started = true;
            if (!Settings.Serving)
            {
                _serving.MarkNotServing();
                return;
            }

            try
            {
                await _serving.StartAsync(Settings, cancellationToken);
            }
            catch (KoiException ex)
            {
                // Still meant to serve: the setting stays, so the next start (or `koi dns serve`) tries again.
                _serving.MarkFailed(ex.Message);
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
            var next = DnsRequests.Merge(previous, request) with { Serving = true };
            _ = ServePlan.From(next, _options);
            await _serving.StopAsync();
            try
            {
                await _serving.StartAsync(next, cancellationToken);
            }
            catch (KoiException)
            {
                // A failed request changes nothing: what served before serves again.
                if (previous.Serving)
                {
                    await _serving.TryRestartAsync(previous, cancellationToken);
                }
                else
                {
                    _serving.MarkNotServing();
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
            await _serving.StopAsync();
            _store.Update(state => state.Settings.Serving ? state with { Settings = state.Settings with { Serving = false } } : state);
            _serving.MarkNotServing();
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
            var name = DnsRequests.Qualify(request.Name, Settings.Zone);
            var address = DnsRequests.StaticAddress(request.Address);
            var created = StaticEntryEdits.Add(_store, name, address);
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
            var name = DnsRequests.Qualify(rawName, Settings.Zone);
            var removed = StaticEntryEdits.Remove(_store, name);
            Maintainer.Rebuild();
            return new EntryRemoved(name, removed);
        }
        finally
        {
            _gate.Release();
        }
    }

    public DnsStatusView Status() =>
        DnsStatusBuilder.Build(Settings, _serving.Run, Zone, Counters, Maintainer.WatchesMdns, _serving.Advertised, _serving.Error);

    /// <summary>Asks koi's own resolver, as a client on this machine would, and says which source answered.</summary>
    public Task<LookupView> LookupAsync(string? name, string? type, CancellationToken cancellationToken) =>
        SelfLookup.RunAsync(this, name, type, cancellationToken);

    /// <summary>The forwarder of the current run, or one made for this call from the settings (caller disposes it).</summary>
    internal (UpstreamForwarder Forwarder, bool Owned) ForwarderForLookup() => _serving.ForwarderForLookup(Settings);

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
            await _serving.StopAsync();
            await Maintainer.DisposeAsync();
        }
        finally
        {
            _gate.Release();
        }
    }

    private void EnsureStarted()
    {
        if (!_started)
        {
            throw new KoiException(KoiErrorCode.Unavailable, _serving.Error ?? "the DNS capability is still starting");
        }
    }
}
