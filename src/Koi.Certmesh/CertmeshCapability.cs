using Koi.Certmesh.Api;
using Koi.Certmesh.Authority;
using Koi.Certmesh.Ceremonies;
using Koi.Certmesh.Health;
using Koi.Certmesh.Membership;
using Koi.Certmesh.Metrics;
using Koi.Certmesh.Naming;
using Koi.Core.Capabilities;
using Koi.Core.Ceremony;
using Koi.Core.Discovery;
using Koi.Core.Events;
using Koi.Core.Health;
using Koi.Core.Metrics;
using Koi.Core.Naming;
using Koi.Core.Paths;
using Koi.Core.Status;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Koi.Certmesh;

/// <summary>
/// The certmesh capability (seed 001 §4): the CA on this machine, its roster and audit log, the <c>init</c> and
/// <c>unlock</c> ceremonies, the routes under <c>/v1/certmesh</c>, and the roster as <see cref="IMemberDirectory"/>.
/// Needs <see cref="KoiPaths"/>, <see cref="StatusRegistry"/> and <see cref="TimeProvider"/>; uses, when registered,
/// <see cref="IEventBus"/> and <see cref="IServiceAdvertiser"/> (to announce <c>_certmesh._tcp</c>).
/// </summary>
public sealed class CertmeshCapability(CertmeshOptions? options = null) : IKoiCapability
{
    private readonly CertmeshOptions _options = options ?? new CertmeshOptions();

    public string Name => CapabilityNames.Certmesh;

    public void AddServices(IServiceCollection services)
    {
        services.AddSingleton(sp =>
        {
            var paths = sp.GetRequiredService<KoiPaths>();
            var status = sp.GetRequiredService<StatusRegistry>();
            var logger = sp.GetService<ILoggerFactory>()?.CreateLogger("Koi.Certmesh") ?? NullLogger.Instance;
            var announcer = new CertmeshAnnouncer(
                sp.GetService<IServiceAdvertiser>() ?? new NoServiceAdvertiser(),
                _options.AnnouncePort,
                status.Register(CapabilityNames.Certmesh, "announcement"),
                logger);
            return new CertmeshAuthority(
                new CertmeshFiles(paths.CertmeshDir, paths.CertsDir),
                _options,
                announcer,
                status,
                sp.GetRequiredService<TimeProvider>(),
                logger,
                sp.GetService<IEventBus>());
        });
        services.AddSingleton<IMemberDirectory>(sp => new RosterMemberDirectory(
            sp.GetRequiredService<CertmeshAuthority>().Roster, sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<IMeshTrustAnchors>(sp => new CertmeshTrustAnchors(sp.GetRequiredService<CertmeshAuthority>()));
        services.AddSingleton<ICertificateFacts>(sp => new CertmeshCertificateFacts(sp.GetRequiredService<CertmeshAuthority>()));
        services.AddSingleton<ICeremonyRules>(sp => new InitCeremony(sp.GetRequiredService<CertmeshAuthority>()));
        services.AddSingleton<ICeremonyRules>(sp => new UnlockCeremony(sp.GetRequiredService<CertmeshAuthority>()));
        services.AddSingleton<IMetricsSource>(sp => new CertmeshMetrics(
            sp.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>(), sp.GetRequiredService<CertmeshAuthority>(), sp.GetRequiredService<TimeProvider>()));
        services.AddHostedService<CertmeshHostedService>();
        AddMembership(services);
    }

    /// <summary>The joiner side: this machine joining another machine's CA, and the pin check afterwards.</summary>
    private void AddMembership(IServiceCollection services)
    {
        services.AddSingleton(sp =>
        {
            var paths = sp.GetRequiredService<KoiPaths>();
            return new MemberFiles(paths.CertmeshDir, paths.CertsDir);
        });
        services.AddSingleton(sp => new MembershipStore(sp.GetRequiredService<MemberFiles>().Membership));
        services.AddHttpClient(nameof(CaClient));
        services.AddSingleton(sp => new CaClient(sp.GetRequiredService<IHttpClientFactory>().CreateClient(nameof(CaClient))));
        services.AddSingleton(sp => new MemberJoiner(
            sp.GetRequiredService<CertmeshAuthority>(),
            sp.GetRequiredService<MembershipStore>(),
            sp.GetRequiredService<CaClient>(),
            sp.GetService<IServiceDirectory>() ?? new EmptyServiceDirectory(),
            sp.GetRequiredService<MemberFiles>(),
            _options,
            sp.GetRequiredService<TimeProvider>(),
            sp.GetService<ILoggerFactory>()?.CreateLogger("Koi.Certmesh.Membership") ?? NullLogger.Instance,
            sp.GetService<IEventBus>()));
        services.AddSingleton(sp => new CaCheck(
            sp.GetRequiredService<MemberJoiner>(),
            sp.GetRequiredService<MemberFiles>(),
            _options,
            sp.GetRequiredService<StatusRegistry>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetService<ILoggerFactory>()?.CreateLogger("Koi.Certmesh.Membership") ?? NullLogger.Instance,
            sp.GetService<IEventBus>()));
        services.AddSingleton(sp => new MemberService(
            sp.GetRequiredService<MemberJoiner>(),
            sp.GetRequiredService<CaCheck>(),
            sp.GetRequiredService<MemberFiles>(),
            _options,
            sp.GetRequiredService<TimeProvider>(),
            sp.GetService<ILoggerFactory>()?.CreateLogger("Koi.Certmesh.Membership") ?? NullLogger.Instance));
        services.AddHostedService(sp => sp.GetRequiredService<MemberService>());
    }

    public void MapEndpoints(IEndpointRouteBuilder group) => CertmeshEndpoints.Map(group);

    public IReadOnlyDictionary<string, object?> Summarize(IServiceProvider services)
    {
        var authority = services.GetRequiredService<CertmeshAuthority>();
        var roster = authority.Roster.Current;
        return new Dictionary<string, object?>
        {
            ["ca"] = roster is null ? "none" : authority.Locked ? "locked" : "unlocked",
            ["members"] = roster?.Members.Count ?? 0,
            ["enrollment"] = roster?.Metadata.EnrollmentState.ToString().ToLowerInvariant(),
            ["member_of"] = services.GetRequiredService<MembershipStore>().Current?.CaHostname,
        };
    }
}
