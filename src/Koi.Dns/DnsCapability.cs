using Koi.Core.Capabilities;
using Koi.Core.Discovery;
using Koi.Core.Health;
using Koi.Core.Metrics;
using Koi.Core.Naming;
using Koi.Core.Paths;
using Koi.Core.Status;
using Koi.Dns.Api;
using Koi.Dns.Health;
using Koi.Dns.Hosting;
using Koi.Dns.Metrics;
using Koi.Dns.Settings;
using Koi.Dns.Sources;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Koi.Dns;

/// <summary>
/// The DNS capability as the daemon composes it: the <c>.lan</c> zone built from static entries,
/// certmesh members and the mDNS registry, forwarding for everything else, and the routes under <c>/v1/dns</c>.
/// Needs <see cref="TimeProvider"/>, <see cref="StatusRegistry"/> and <see cref="KoiPaths"/> from the container; reads,
/// when registered, <see cref="IServiceDirectory"/> (mDNS), <see cref="IMemberDirectory"/> (certmesh) and
/// <see cref="IServiceAdvertiser"/> (to announce <c>_dns._udp</c>), and registers <see cref="IMemberAliasSource"/>.
/// </summary>
public sealed class DnsCapability(DnsCapabilityOptions? options = null) : IKoiCapability
{
    private readonly DnsCapabilityOptions _options = options ?? new DnsCapabilityOptions();

    public string Name => CapabilityNames.Dns;

    public void AddServices(IServiceCollection services)
    {
        services.AddSingleton(sp =>
        {
            var time = sp.GetRequiredService<TimeProvider>();
            var logger = sp.GetService<ILoggerFactory>()?.CreateLogger("Koi.Dns") ?? NullLogger.Instance;
            var store = new DnsStateStore(Path.Combine(sp.GetRequiredService<KoiPaths>().StateDir, "dns.json"));
            var members = sp.GetService<IMemberDirectory>() ?? new EmptyMemberDirectory();
            var directory = sp.GetService<IServiceDirectory>();
            return new DnsService(
                store,
                (s, health) => new ZoneMaintainer(s, members, directory, _options.DefaultListen, health, time, logger),
                _options,
                sp.GetService<IServiceAdvertiser>() ?? new NoServiceAdvertiser(),
                sp.GetRequiredService<StatusRegistry>(),
                time,
                logger);
        });
        services.AddSingleton<IMemberAliasSource>(sp => sp.GetRequiredService<DnsService>().Maintainer);
        services.AddSingleton<INameResolutionFacts>(sp => new ZoneNameResolutionFacts(sp.GetRequiredService<DnsService>()));
        services.AddSingleton<IMetricsSource>(sp => new DnsMetrics(sp.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>(), sp.GetRequiredService<DnsService>()));
        services.AddHostedService<DnsHostedService>();
    }

    public void MapEndpoints(IEndpointRouteBuilder group) => DnsHttpEndpoints.Map(group);

    public IReadOnlyDictionary<string, object?> Summarize(IServiceProvider services)
    {
        var status = services.GetRequiredService<DnsService>().Status();
        return new Dictionary<string, object?>
        {
            ["serving"] = status.Serving,
            ["zone"] = status.Zone,
            ["names"] = status.Names.Total,
            ["answered"] = status.Counters.Answered,
            ["forwarded"] = status.Counters.Forwarded,
        };
    }
}
