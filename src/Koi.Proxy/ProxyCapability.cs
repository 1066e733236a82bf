using Koi.Core.Capabilities;
using Koi.Core.Events;
using Koi.Core.Metrics;
using Koi.Core.Naming;
using Koi.Core.Paths;
using Koi.Core.Proxy;
using Koi.Core.Status;
using Koi.Core.Trust;
using Koi.Proxy.Api;
using Koi.Proxy.Facts;
using Koi.Proxy.Metrics;
using Koi.Proxy.State;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Koi.Proxy;

/// <summary>
/// The proxy capability as the daemon composes it: TLS-terminating byte pipes from a port on this
/// machine to a plain-HTTP backend, presenting certmesh's certificate files, and the routes under <c>/v1/proxy</c>.
/// Needs <see cref="TimeProvider"/>, <see cref="KoiPaths"/>, <see cref="StatusRegistry"/> and <see cref="IEventBus"/>
/// from the container; uses <see cref="IMeshClientTrust"/> when registered (entries with <c>--clients mesh</c>),
/// <see cref="IServiceAdvertiser"/> (announcing entries as <c>_NAME._tcp</c>) and <see cref="ServiceNameBoard"/> (offering
/// their names for the certificate);
/// registers <see cref="IProxyFacts"/>. It reads certmesh's files and that contract, never certmesh itself.
/// </summary>
public sealed class ProxyCapability(ProxyOptions? options = null) : IKoiCapability
{
    private readonly ProxyOptions _options = options ?? new ProxyOptions();

    public string Name => CapabilityNames.Proxy;

    public void AddServices(IServiceCollection services)
    {
        services.AddSingleton(sp => new ProxyService(
            new ProxyStateStore(Path.Combine(sp.GetRequiredService<KoiPaths>().StateDir, "proxy.json")),
            _options,
            sp.GetRequiredService<KoiPaths>(),
            sp.GetRequiredService<StatusRegistry>().Register(Name, "listeners"),
            sp.GetRequiredService<StatusRegistry>().Register(Name, "loops"),
            sp.GetRequiredService<IEventBus>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetService<ILoggerFactory>()?.CreateLogger("Koi.Proxy") ?? NullLogger.Instance,
            sp.GetService<IMeshClientTrust>(),
            sp.GetService<IServiceAdvertiser>(),
            sp.GetService<ServiceNameBoard>(),
            sp.GetRequiredService<StatusRegistry>().Register(Name, "names"),
            sp.GetRequiredService<StatusRegistry>().Register(Name, "cert-watch")));
        services.AddSingleton<IProxyFacts>(sp => new ProxyFacts(sp.GetRequiredService<ProxyService>()));
        services.AddSingleton<IMetricsSource>(sp => new ProxyMetrics(sp.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>(), sp.GetRequiredService<ProxyService>()));
        services.AddHostedService<ProxyHostedService>();
    }

    public void MapEndpoints(IEndpointRouteBuilder group) => ProxyEndpoints.Map(group);

    public IReadOnlyDictionary<string, object?> Summarize(IServiceProvider services)
    {
        var service = services.GetRequiredService<ProxyService>();
        var (entries, listening, open, backendFailures) = service.Counts();
        return new Dictionary<string, object?>
        {
            ["entries"] = entries,
            ["listening"] = listening,
            ["connections_open"] = open,
            ["backend_failures"] = backendFailures,
            // One string, so koi status shows it as it is: "https://grafana.lan/ green, https://wiki.lan/ not green (failing: backend up)".
            ["urls"] = string.Join(", ", service.Status().Entries.Select(e => e.Green
                ? $"{e.Url} green"
                : e.Checks.Where(c => !c.Ok).Select(c => c.Name.Replace('_', ' ')).ToList() is { Count: > 0 } failing
                    ? $"{e.Url} not green (failing: {string.Join(" · ", failing)})"
                    : $"{e.Url} not green ({e.State})")),
        };
    }
}
