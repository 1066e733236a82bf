using Koi.Core.Capabilities;
using Koi.Core.Discovery;
using Koi.Core.Metrics;
using Koi.Core.Naming;
using Koi.Core.Networking;
using Koi.Core.Status;
using Koi.Mdns.Api;
using Koi.Mdns.Metrics;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Koi.Mdns;

/// <summary>
/// The mDNS capability as the daemon composes it: one <see cref="MdnsEngine"/> (also registered as
/// <see cref="IServiceDirectory"/> and <see cref="ILocalAddresses"/> for the other capabilities), HTTP leases, and the routes under <c>/v1/mdns</c>.
/// Needs <see cref="TimeProvider"/> and <see cref="StatusRegistry"/> from the container.
/// </summary>
public sealed class MdnsCapability : IKoiCapability
{
    private readonly Func<IServiceProvider, MdnsEngine> _createEngine;

    /// <param name="options">Interfaces, IPv6, bounds; set <see cref="MdnsOptions.SelfAnnouncement"/> to announce <c>_koi._tcp</c>.</param>
    public MdnsCapability(MdnsOptions options)
        : this(sp => MdnsEngine.Create(
            options,
            sp.GetService<ILoggerFactory>(),
            sp.GetRequiredService<StatusRegistry>(),
            sp.GetRequiredService<TimeProvider>()))
    {
    }

    /// <summary>For tests: an engine on a simulated network.</summary>
    internal MdnsCapability(Func<IServiceProvider, MdnsEngine> createEngine)
    {
        _createEngine = createEngine;
    }

    public string Name => CapabilityNames.Mdns;

    public void AddServices(IServiceCollection services)
    {
        services.AddSingleton(_createEngine);
        services.AddSingleton<IServiceDirectory>(sp => sp.GetRequiredService<MdnsEngine>());
        services.AddSingleton<ILocalAddresses>(sp => sp.GetRequiredService<MdnsEngine>());
        services.AddSingleton<IMetricsSource>(sp => new MdnsMetrics(sp.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>(), sp.GetRequiredService<MdnsEngine>()));
        services.AddSingleton<IServiceAdvertiser>(sp => new MdnsServiceAdvertiser(sp.GetRequiredService<MdnsEngine>()));
        services.AddSingleton(sp => new LeaseKeeper(
            sp.GetRequiredService<MdnsEngine>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<StatusRegistry>(),
            Logger(sp)));
        services.AddHostedService(sp => new MdnsNameOffer(sp.GetRequiredService<MdnsEngine>(), sp.GetService<ServiceNameBoard>() ?? new ServiceNameBoard()));
        services.AddHostedService(sp => new MdnsHostedService(
            sp.GetRequiredService<MdnsEngine>(),
            sp.GetRequiredService<LeaseKeeper>(),
            sp.GetRequiredService<StatusRegistry>(),
            Logger(sp)));
    }

    public void MapEndpoints(IEndpointRouteBuilder group) => MdnsHttpEndpoints.Map(group);

    public IReadOnlyDictionary<string, object?> Summarize(IServiceProvider services)
    {
        var stats = services.GetRequiredService<MdnsEngine>().Stats;
        return new Dictionary<string, object?>
        {
            ["services_discovered"] = stats.Services,
            ["registrations"] = stats.Registrations,
            ["cache_records"] = stats.CacheRecords,
            ["interfaces"] = stats.Interfaces.Count,
            ["host_name"] = stats.HostName,
        };
    }

    private static ILogger Logger(IServiceProvider services) =>
        services.GetService<ILoggerFactory>()?.CreateLogger("Koi.Mdns") ?? Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;
}
