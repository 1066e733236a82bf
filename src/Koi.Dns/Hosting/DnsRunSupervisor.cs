using System.Net;
using Koi.Core.Errors;
using Koi.Core.Naming;
using Koi.Core.Status;
using Koi.Dns.Forwarding;
using Koi.Dns.Resolving;
using Koi.Dns.Safety;
using Koi.Dns.Settings;
using Koi.Dns.Zone;
using Microsoft.Extensions.Logging;

namespace Koi.Dns.Hosting;

/// <summary>
/// Starts and stops the serving run (listeners, forwarder, mDNS advertisement) and reports its real state on the
/// <c>dns/udp</c> and <c>dns/tcp</c> components. Callers serialise calls; queries read <see cref="Run"/> directly.
/// </summary>
internal sealed partial class DnsRunSupervisor
{
    private const string AdvertisedType = "_dns._udp";

    private readonly ZoneHolder _zone;
    private readonly DnsCounters _counters;
    private readonly DnsCapabilityOptions _options;
    private readonly IServiceAdvertiser _advertiser;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ComponentHealth _udpHealth;
    private readonly ComponentHealth _tcpHealth;
    private DnsServerRun? _run;
    private IAsyncDisposable? _advertisement;
    private string? _error;

    // Which serving run a listener's "I stopped" belongs to: one from a run already replaced is ignored.
    private int _runGeneration;

    public DnsRunSupervisor(
        ZoneHolder zone,
        DnsCounters counters,
        DnsCapabilityOptions options,
        IServiceAdvertiser advertiser,
        ComponentHealth udpHealth,
        ComponentHealth tcpHealth,
        TimeProvider time,
        ILogger logger)
    {
        _zone = zone;
        _counters = counters;
        _options = options;
        _advertiser = advertiser;
        _udpHealth = udpHealth;
        _tcpHealth = tcpHealth;
        _time = time;
        _logger = logger;
    }

    /// <summary>The current serving run; null while not serving.</summary>
    public DnsServerRun? Run => _run;

    public bool Advertised => _advertisement is not null;

    /// <summary>Why serving failed or stopped, until a run starts cleanly.</summary>
    public string? Error => _error;

    public async Task StartAsync(DnsSettings settings, CancellationToken cancellationToken)
    {
        _udpHealth.Starting();
        _tcpHealth.Starting();
        var plan = ServePlan.From(settings, _options);
        if (plan.Upstreams.Count == 0)
        {
            NoUpstreams(_logger);
        }

        var limiter = new ClientRateLimiter(settings.RateLimitQps, settings.RateLimitBurst, _options.MaxTrackedClients, _time, settings.RateLimitSlip);
        var handler = new QueryHandler(_zone, new QueryPolicy(settings.AllowPublicClients, limiter), _counters, _logger);
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
            plan.Upstreams, _options.UpstreamTimeout, _options.MaxForwardsInFlight, _counters, _time, _logger, reason => Stopped(_udpHealth, reason));
        var resolver = new Resolver(handler, forwarder, _counters);
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
        var hold = _options.UdpReceiveHold > TimeSpan.Zero ? $"receive hold {_options.UdpReceiveHold.TotalMicroseconds:0} µs" : "no receive hold";
        _udpHealth.Running($"{endpoints}; {_options.UdpReceiveLoops} receive loops, {hold}; {upstreamText}");
        _tcpHealth.Running(string.Join(", ", Describe(_run.TcpEndpoints)));
        Serving(_logger, settings.Zone, endpoints);
        await AdvertiseAsync(_run.UdpEndpoints[0].Port, settings.Zone, cancellationToken);
    }

    public async Task StopAsync()
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

    public async Task TryRestartAsync(DnsSettings settings, CancellationToken cancellationToken)
    {
        try
        {
            await StartAsync(settings, cancellationToken);
        }
        catch (KoiException ex)
        {
            MarkFailed(ex.Message);
        }
    }

    /// <summary>The forwarder of the current run, or one made for this call from the settings (caller disposes it).</summary>
    public (UpstreamForwarder Forwarder, bool Owned) ForwarderForLookup(DnsSettings settings)
    {
        if (_run is { } run)
        {
            return (run.Resolver.Forwarder, false);
        }

        var plan = ServePlan.From(settings, _options);
        return (new UpstreamForwarder(plan.Upstreams, _options.UpstreamTimeout, _options.MaxForwardsInFlight, new DnsCounters(), _time, _logger), true);
    }

    public void MarkNotServing()
    {
        _udpHealth.Stopped("not serving; run `koi dns serve`");
        _tcpHealth.Stopped("not serving; run `koi dns serve`");
    }

    public void MarkFailed(string reason)
    {
        _error = reason;
        _udpHealth.Failed(reason);
        _tcpHealth.Failed(reason);
        ServeFailed(_logger, reason);
    }

    /// <summary>The persisted state could not be read, so serving is not even attempted.</summary>
    public void MarkStateUnreadable(string reason)
    {
        _udpHealth.Failed("state unreadable");
        _tcpHealth.Failed("state unreadable");
        _error = reason;
    }

    public static List<string> Describe(IReadOnlyList<IPEndPoint> endpoints)
    {
        var result = new List<string>(endpoints.Count);
        foreach (var endpoint in endpoints)
        {
            result.Add(endpoint.ToString());
        }

        return result;
    }

    public static List<string> Format(IReadOnlyList<IPEndPoint> endpoints)
    {
        var result = new List<string>(endpoints.Count);
        foreach (var endpoint in endpoints)
        {
            result.Add(UpstreamList.Format(endpoint));
        }

        return result;
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
            // Advertising is a convenience (docs/dns.md); resolving works without it.
            AdvertiseFailed(_logger, ex);
        }
    }
}
