using Koi.Certmesh.Api;
using Koi.Certmesh.Authority;
using Koi.Certmesh.Ceremonies;
using Koi.Certmesh.Health;
using Koi.Certmesh.Membership;
using Koi.Certmesh.MeshPlane;
using Koi.Certmesh.Metrics;
using Koi.Certmesh.Naming;
using Koi.Certmesh.Revocation;
using Koi.Certmesh.Standby;
using Koi.Core.Capabilities;
using Koi.Core.Ceremony;
using Koi.Core.Discovery;
using Koi.Core.Events;
using Koi.Core.Health;
using Koi.Core.Metrics;
using Koi.Core.Naming;
using Koi.Core.Networking;
using Koi.Core.Paths;
using Koi.Core.Status;
using Koi.Core.Trust;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Koi.Certmesh;

/// <summary>
/// The certmesh capability: the CA on this machine, its roster and audit log, the <c>init</c> and
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
            var files = new CertmeshFiles(paths.CertmeshDir, paths.CertsDir);
            return new TrustBundleStore(files.TrustBundle, files.Crl);
        });
        services.AddSingleton<IMeshClientTrust>(sp => sp.GetRequiredService<TrustBundleStore>());
        services.AddHttpClient(nameof(MemberNudger));
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
            var bundles = sp.GetRequiredService<TrustBundleStore>();
            var authority = new CertmeshAuthority(
                new CertmeshFiles(paths.CertmeshDir, paths.CertsDir),
                _options,
                announcer,
                status,
                sp.GetRequiredService<TimeProvider>(),
                logger,
                sp.GetService<IEventBus>(),
                () => sp.GetRequiredService<MembershipStore>().Current,
                new TrustBundlePublisher(bundles, sp.GetRequiredService<TimeProvider>()),
                sp.GetService<ServiceNameBoard>());
            var nudger = new MemberNudger(
                () => authority.Roster.Current,
                sp.GetRequiredService<IHttpClientFactory>().CreateClient(nameof(MemberNudger)),
                _options.AnnouncePort,
                authority.Hostname,
                logger);
            bundles.Applied += (sender, held) =>
            {
                // Only the CA nudges: on a member the same store applies bundles it fetched.
                if (authority.Initialized)
                {
                    nudger.OnApplied(sender, held);
                }
            };
            return authority;
        });
        services.AddSingleton<IMemberDirectory>(sp => new RosterMemberDirectory(
            sp.GetRequiredService<CertmeshAuthority>().Roster, sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<IMeshTrustAnchors>(sp => new CertmeshTrustAnchors(sp.GetRequiredService<CertmeshAuthority>()));
        services.AddSingleton<ICertificateFacts>(sp => new CertmeshCertificateFacts(sp.GetRequiredService<CertmeshAuthority>(), sp.GetRequiredService<MemberService>()));
        services.AddSingleton<ICeremonyRules>(sp => new InitCeremony(sp.GetRequiredService<CertmeshAuthority>()));
        services.AddSingleton<ICeremonyRules>(sp => new UnlockCeremony(sp.GetRequiredService<CertmeshAuthority>(), sp.GetRequiredService<StandbyNode>()));
        services.AddSingleton<IMetricsSource>(sp => new CertmeshMetrics(
            sp.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>(), sp.GetRequiredService<CertmeshAuthority>(), sp.GetRequiredService<TimeProvider>()));
        services.AddHostedService<CertmeshHostedService>();
        AddMeshPlane(services);
        AddMembership(services);
    }

    /// <summary>The CA's mTLS plane: renewal and heartbeats from members that prove themselves at the handshake.</summary>
    private void AddMeshPlane(IServiceCollection services)
    {
        services.AddSingleton<IRevocationSet>(sp => new RosterRevocationSet(sp.GetRequiredService<CertmeshAuthority>().Roster));
        services.AddSingleton(sp =>
        {
            var authority = sp.GetRequiredService<CertmeshAuthority>();
            return new MeshPeerValidator(authority.Context, authority.Vault, sp.GetRequiredService<IRevocationSet>());
        });
        services.AddSingleton(sp => new MeshPlaneHost(
            sp.GetRequiredService<CertmeshAuthority>(),
            sp.GetRequiredService<MeshPeerValidator>(),
            sp.GetRequiredService<CertmeshAuthority>().MeshCertificate,
            sp.GetRequiredService<CertmeshAuthority>().Renewals,
            sp.GetRequiredService<CertmeshAuthority>().Heartbeats,
            _options,
            sp.GetRequiredService<StatusRegistry>(),
            sp.GetService<ILoggerFactory>()?.CreateLogger("Koi.Certmesh.MeshPlane") ?? NullLogger.Instance));
        services.AddHostedService(sp => sp.GetRequiredService<MeshPlaneHost>());
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
        services.AddSingleton(sp => new MemberAuditTrail(sp.GetRequiredService<MemberFiles>(), sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton(sp => new MeshClient(sp.GetRequiredService<MemberFiles>(), sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton(sp => new MemberRenewal(
            sp.GetRequiredService<MembershipStore>(),
            sp.GetRequiredService<MeshClient>(),
            sp.GetRequiredService<MemberFiles>(),
            sp.GetRequiredService<MemberAuditTrail>(),
            sp.GetRequiredService<TimeProvider>(),
            MembershipLogger(sp),
            sp.GetService<IEventBus>(),
            sp.GetService<ServiceNameBoard>(),
            sp.GetService<ILocalAddresses>()));
        services.AddSingleton(sp => new CaCheck(
            sp.GetRequiredService<MembershipStore>(),
            sp.GetRequiredService<CaClient>(),
            sp.GetRequiredService<MeshClient>(),
            sp.GetRequiredService<MemberRenewal>(),
            sp.GetRequiredService<MemberFiles>(),
            sp.GetRequiredService<MemberAuditTrail>(),
            _options,
            sp.GetRequiredService<StatusRegistry>(),
            sp.GetRequiredService<TimeProvider>(),
            MembershipLogger(sp),
            sp.GetService<IEventBus>())
        {
            Primaries = new PrimaryFinder(
                sp.GetService<IServiceDirectory>() ?? new EmptyServiceDirectory(),
                sp.GetRequiredService<CaClient>(),
                sp.GetRequiredService<MembershipStore>(),
                sp.GetRequiredService<MemberAuditTrail>(),
                sp.GetRequiredService<TimeProvider>()),
        });
        services.AddSingleton(sp => new BundleFollower(
            sp.GetRequiredService<TrustBundleStore>(),
            sp.GetRequiredService<CaClient>(),
            sp.GetRequiredService<MemberFiles>(),
            sp.GetRequiredService<StatusRegistry>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetService<ILoggerFactory>()?.CreateLogger("Koi.Certmesh.Membership") ?? NullLogger.Instance,
            sp.GetService<IEventBus>()));
        services.AddSingleton(sp => new MemberService(
            sp.GetRequiredService<MemberJoiner>(),
            sp.GetRequiredService<CaCheck>(),
            sp.GetRequiredService<MemberRenewal>(),
            sp.GetRequiredService<MemberAuditTrail>(),
            sp.GetRequiredService<MemberFiles>(),
            _options,
            sp.GetRequiredService<TimeProvider>(),
            MembershipLogger(sp),
            sp.GetRequiredService<BundleFollower>(),
            sp.GetRequiredService<StatusRegistry>().Register(CapabilityNames.Certmesh, "member_certificate"),
            new ExpiryAlarm((name, payload) => sp.GetService<IEventBus>()?.Publish(CapabilityNames.Certmesh, name, payload))));
        services.AddHostedService(sp => sp.GetRequiredService<MemberService>());
        services.AddSingleton(sp => new ServiceNameFollower(
            sp.GetRequiredService<CertmeshAuthority>(),
            sp.GetRequiredService<MembershipStore>(),
            sp.GetRequiredService<MemberRenewal>(),
            sp.GetService<ServiceNameBoard>() ?? new ServiceNameBoard(),
            sp.GetService<ILocalAddresses>() ?? new NoLocalAddresses(),
            sp.GetRequiredService<StatusRegistry>().Register(CaContext.Capability, "service_names"),
            sp.GetRequiredService<TimeProvider>(),
            MembershipLogger(sp)));
        services.AddHostedService(sp => sp.GetRequiredService<ServiceNameFollower>());
        AddStandby(services);
    }

    private RivalPrimaries Rivals(IServiceProvider sp) => new(sp.GetService<IServiceDirectory>() ?? new EmptyServiceDirectory(), _options);

    /// <summary>The standby CA and failover (docs/certmesh.md, "Standby CA"): promote, sync, the watch on the other CA.</summary>
    private void AddStandby(IServiceCollection services)
    {
        services.AddSingleton(sp =>
        {
            var paths = sp.GetRequiredService<KoiPaths>();
            return new StandbyNode(
                new CertmeshFiles(Path.Combine(paths.CertmeshDir, "standby"), paths.CertsDir),
                sp.GetRequiredService<CertmeshAuthority>().Handover.Store,
                sp.GetRequiredService<MemberAuditTrail>(),
                sp.GetRequiredService<TimeProvider>());
        });
        services.AddSingleton(sp => new StandbyPromotion(
            sp.GetRequiredService<StandbyNode>(),
            () => sp.GetRequiredService<CertmeshAuthority>().Initialized,
            sp.GetRequiredService<MembershipStore>(),
            sp.GetRequiredService<MeshClient>(),
            sp.GetRequiredService<MemberAuditTrail>(),
            sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<ICeremonyRules>(sp => new PromoteCeremony(sp.GetRequiredService<StandbyPromotion>()));
        services.AddSingleton(sp => new HaLoop(
            sp.GetRequiredService<CertmeshAuthority>(),
            sp.GetRequiredService<StandbyNode>(),
            new StandbySync(sp.GetRequiredService<StandbyNode>(), sp.GetRequiredService<MeshClient>()),
            new PeerProbe(sp.GetRequiredService<MeshClient>()),
            new StandbyTakeover(sp.GetRequiredService<CertmeshAuthority>(), sp.GetRequiredService<StandbyNode>()),
            new StandbyDeferral(sp.GetRequiredService<CertmeshAuthority>(), sp.GetRequiredService<StandbyNode>(), sp.GetRequiredService<MemberAuditTrail>(),
                sp.GetRequiredService<MembershipStore>()),
            _options,
            sp.GetRequiredService<StatusRegistry>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetService<ILoggerFactory>()?.CreateLogger("Koi.Certmesh.Standby") ?? NullLogger.Instance)
        {
            Rivals = Rivals(sp).Find,
            BrowseRivals = Rivals(sp).BrowseAsync,
        });
        services.AddHostedService(sp => sp.GetRequiredService<HaLoop>());
    }

    /// <summary>
    /// The loudest warning about this machine's certificates for the one-line summary in <c>koi status</c> (expiry,
    /// renewal failing or degraded; the CA host's own certificate on a CA), with how many more <c>koi certmesh
    /// status</c> lists; null when there is none.
    /// </summary>
    private static string? CertificateWarning(CertmeshAuthority authority, Roster.RosterDocument? roster, MemberService member)
    {
        var warnings = roster is null ? member.Warnings() : authority.OwnCertificate.Warnings(roster);
        return warnings.Count switch
        {
            0 => null,
            1 => warnings[0],
            _ => $"{warnings[0]} (+{warnings.Count - 1} more: koi certmesh status)",
        };
    }

    private static ILogger MembershipLogger(IServiceProvider sp) =>
        sp.GetService<ILoggerFactory>()?.CreateLogger("Koi.Certmesh.Membership") ?? NullLogger.Instance;

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
            ["warning"] = CertificateWarning(authority, roster, services.GetRequiredService<MemberService>()),
        };
    }
}
