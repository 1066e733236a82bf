using Koi.Core.Capabilities;
using Koi.Core.Discovery;
using Koi.Core.Events;
using Koi.Core.Health;
using Koi.Core.Metrics;
using Koi.Core.Naming;
using Koi.Core.Paths;
using Koi.Core.Proxy;
using Koi.Core.Status;
using Koi.Health.Api;
using Koi.Health.Metrics;
using Koi.Health.Monitoring;
using Koi.Health.Probes;
using Koi.Health.State;
using Koi.Health.Transitions;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Koi.Health;

/// <summary>
/// The health capability as the daemon composes it: machine health from mDNS presence (plus certmesh
/// and DNS facts), opt-in HTTP/TCP service checks, proxy entries from the proxy's own backend checks, the transition
/// log, and the routes under <c>/v1/health</c>.
/// Needs <see cref="TimeProvider"/>, <see cref="KoiPaths"/>, <see cref="StatusRegistry"/> and <see cref="IEventBus"/>
/// from the container; reads, when registered, <see cref="IServiceDirectory"/> (mDNS), <see cref="IMemberDirectory"/>,
/// <see cref="ICertificateFacts"/>, <see cref="IMeshTrustAnchors"/> (certmesh), <see cref="INameResolutionFacts"/> (DNS)
/// and <see cref="IProxyFacts"/> (proxy).
/// </summary>
public sealed class HealthCapability : IKoiCapability
{
    private readonly HealthOptions _options;
    private readonly Func<IServiceProvider, ICheckProbe>? _probe;

    public HealthCapability(HealthOptions? options = null)
        : this(options, null)
    {
    }

    /// <param name="probe">Test seam: replaces the HTTP/TCP probes.</param>
    internal HealthCapability(HealthOptions? options, Func<IServiceProvider, ICheckProbe>? probe)
    {
        _options = options ?? new HealthOptions();
        _probe = probe;
    }

    public string Name => CapabilityNames.Health;

    public void AddServices(IServiceCollection services)
    {
        services.AddSingleton(Build);
        services.AddSingleton<IMetricsSource>(sp => new HealthMetrics(sp.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>(), sp.GetRequiredService<HealthService>()));
        services.AddHostedService<HealthHostedService>();
    }

    public void MapEndpoints(IEndpointRouteBuilder group) => HealthEndpoints.Map(group);

    public IReadOnlyDictionary<string, object?> Summarize(IServiceProvider services)
    {
        var (up, down, checks) = services.GetRequiredService<HealthService>().Monitor.Counts();
        return new Dictionary<string, object?>
        {
            ["up"] = up,
            ["down"] = down,
            ["checks"] = checks,
        };
    }

    private HealthService Build(IServiceProvider sp)
    {
        var time = sp.GetRequiredService<TimeProvider>();
        var paths = sp.GetRequiredService<KoiPaths>();
        var status = sp.GetRequiredService<StatusRegistry>();
        var logger = sp.GetService<ILoggerFactory>()?.CreateLogger("Koi.Health") ?? NullLogger.Instance;
        var monitor = new HealthMonitor(
            new HealthStateStore(Path.Combine(paths.StateDir, "health.json")),
            new TransitionLog(Path.Combine(paths.LogsDir, "health.log")),
            sp.GetRequiredService<IEventBus>(),
            _options,
            time,
            logger);
        var probe = _probe?.Invoke(sp)
            ?? new ProbeByKind(new HttpProbe(sp.GetService<IMeshTrustAnchors>() ?? new EmptyMeshTrustAnchors()), new TcpProbe());
        var checksHealth = status.Register(Name, "checks");
        var scheduler = new CheckScheduler(probe, monitor, _options, time, Random.Shared.NextDouble, checksHealth, logger);
        var watcher = new MachineWatcher(
            sp.GetService<IServiceDirectory>() ?? new EmptyServiceDirectory(),
            sp.GetService<IMemberDirectory>() ?? new EmptyMemberDirectory(),
            monitor,
            _options,
            time,
            status.Register(Name, "machines"),
            logger,
            sp.GetService<IServiceReconfirmer>());
        var proxies = new ProxyWatcher(
            sp.GetService<IProxyFacts>() ?? new EmptyProxyFacts(),
            monitor,
            _options,
            time,
            status.Register(Name, "proxies"),
            logger);
        return new HealthService(
            monitor,
            scheduler,
            watcher,
            proxies,
            sp.GetService<ICertificateFacts>() ?? new EmptyCertificateFacts(),
            sp.GetService<INameResolutionFacts>() ?? new EmptyNameResolutionFacts(),
            checksHealth,
            time);
    }
}
