using Koi.Api;
using Koi.Ceremonies;
using Koi.Certmesh;
using Koi.Core.Capabilities;
using Koi.Core.Ceremony;
using Koi.Core.Discovery;
using Koi.Core.Events;
using Koi.Core.Health;
using Koi.Core.Hosting;
using Koi.Core.Metrics;
using Koi.Core.Naming;
using Koi.Core.Networking;
using Koi.Core.Paths;
using Koi.Core.Proxy;
using Koi.Core.Status;
using Koi.Core.Storage;
using Koi.Dashboard;
using Koi.Dns;
using Koi.Health;
using Koi.Mdns;
using Koi.Metrics;
using Koi.Proxy;
using Koi.Service;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting.Systemd;

namespace Koi.Daemon;

/// <summary>
/// The daemon's composition root: the only place that knows every capability and wires them together.
/// </summary>
internal static class DaemonApp
{
    public const long MaxRequestBodyBytes = 1024 * 1024;

    /// <summary>Every capability this build contains. Each capability issue adds its module here.</summary>
    public static IReadOnlyList<IKoiCapability> BuiltInCapabilities(DaemonOptions options) =>
    [
        new MdnsCapability(new MdnsOptions
        {
            Interfaces = options.MdnsInterfaces,
            // DNS names and machine health read the registry, so the daemon keeps it filled rather than waiting for a
            // client to browse; the querier's back-off keeps that to a few packets a minute once settled.
            BrowseAllInBackground = true,
            // Other koi daemons (and people) find this one as _koi._tcp.
            SelfAnnouncement = new KoiSelfAnnouncement(BuildInfo.Version, options.HttpPort),
        }),
        new CertmeshCapability(new CertmeshOptions
        {
            AnnouncePort = options.HttpPort,
            DefaultLifetimeDays = options.Config.Certmesh?.CertLifetimeDays,
            DefaultRenewAtDay = options.Config.Certmesh?.RenewAtDay,
            DefaultLifetimeMinutes = options.Config.Certmesh?.CertLifetimeMinutes,
            DefaultRenewAtMinute = options.Config.Certmesh?.RenewAtMinute,
            MeshBind = options.HttpBind,
            MeshPort = options.Config.Certmesh?.MeshPort ?? (options.HttpPort == 0 ? 0 : options.HttpPort + 2),
            CaCheckInterval = TimeSpan.FromSeconds(options.Config.Certmesh?.CaCheckSecs ?? 300),
            StandbySyncInterval = TimeSpan.FromSeconds(options.Config.Certmesh?.StandbySyncSecs ?? 300),
            HaProbeInterval = TimeSpan.FromSeconds(options.Config.Certmesh?.HaProbeSecs ?? 10),
            FailoverGrace = TimeSpan.FromSeconds(options.Config.Certmesh?.FailoverGraceSecs ?? 60),
            Hostname = options.HostnameOverride is { } hostname ? () => hostname : null,
        }),
        new DnsCapability(),
        new HealthCapability(),
        // The proxy serves the certificate certmesh issued under the same name (certs/<hostname>/).
        new ProxyCapability(new ProxyOptions
        {
            DaemonApiPort = options.HttpPort,
            Hostname = options.HostnameOverride is { } proxyHostname ? () => proxyHostname : null,
        }),
    ];

    public static WebApplication Build(
        DaemonOptions options,
        DaemonToken token,
        IReadOnlyList<IKoiCapability> capabilities,
        Action<WebApplicationBuilder>? configure = null,
        Action<WebApplication>? mapExtra = null)
    {
        var builder = KoiWebHost.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Logging.SetMinimumLevel(options.LogLevel);
        builder.Logging.AddFilter("Microsoft.AspNetCore", options.LogLevel > LogLevel.Warning ? options.LogLevel : LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.Hosting.Lifetime", options.LogLevel > LogLevel.Warning ? options.LogLevel : LogLevel.Warning);
        if (SystemdHelpers.IsSystemdService())
        {
            // Under systemd each line carries its syslog level (<3>, <4>, …) so the journal keeps it; journald
            // stamps the time itself.
            builder.Logging.AddSystemdConsole();
        }
        else
        {
            builder.Logging.AddSimpleConsole(console =>
            {
                console.SingleLine = true;
                console.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";
                console.UseUtcTimestamp = true;
            });
        }

        builder.Services.Configure<Microsoft.Extensions.Logging.Console.ConsoleLoggerOptions>(o => o.LogToStandardErrorThreshold = LogLevel.Trace);

        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(options.HttpBind, options.HttpPort);
            if (options.DashboardBind is { } dashboard)
            {
                kestrel.Listen(dashboard);
            }
            kestrel.Limits.MaxRequestBodySize = MaxRequestBodyBytes;
            kestrel.AddServerHeader = false;
        });
        builder.Services.Configure<HostOptions>(host =>
        {
            host.ShutdownTimeout = options.ShutdownDrain;
            // A capability that dies must not take the others down; it reports failed instead.
            host.BackgroundServiceExceptionBehavior = BackgroundServiceExceptionBehavior.Ignore;
        });
        builder.Services.Configure<JsonOptions>(json => KoiJson.Apply(json.SerializerOptions, AppJson.Contexts));
        builder.Services.Configure<RouteHandlerOptions>(routes => routes.ThrowOnBadRequest = true);

        var paths = new KoiPaths(options.DataDir);
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(paths);
        builder.Services.AddSingleton(token);
        builder.Services.AddSingleton<RouteAccess>();
        builder.Services.AddSingleton<IEventBus>(sp => new EventBus(sp.GetRequiredService<TimeProvider>()));
        builder.Services.AddSingleton(sp => new StatusRegistry(sp.GetRequiredService<TimeProvider>()));
        builder.Services.AddSingleton<ICeremonyRules, DemoCeremony>();
        builder.Services.AddSingleton(sp => new CeremonyHost(
            sp.GetServices<ICeremonyRules>(),
            sp.GetRequiredService<TimeProvider>(),
            health: sp.GetRequiredService<StatusRegistry>().Register("core", "ceremony_sweeper")));
        builder.Services.AddSingleton(sp => new DataDirHealth(
            options.DataDir,
            sp.GetRequiredService<StatusRegistry>().Register("core", "data_dir"),
            sp.GetRequiredService<TimeProvider>()));
        builder.Services.AddSingleton(new CapabilitySet(capabilities, options));
        builder.Services.AddHostedService<HttpApiLifecycle>();
        // Type=notify: READY=1 once every capability has started, STOPPING=1 on the way down (docs/service.md).
        builder.Services.AddSystemd();
        // AddSystemd registers the notifier only under systemd; the watchdog asks it and reports itself disabled.
        builder.Services.TryAddSingleton<ISystemdNotifier, SystemdNotifier>();
        builder.Services.AddHostedService<SystemdWatchdog>();
        builder.Services.AddKoiOpenApi();
        builder.Services.AddSingleton(sp => new DashboardSessions(sp.GetRequiredService<TimeProvider>()));
        builder.Services.AddSingleton<IMetricsSource>(sp => new ProcessMetrics(sp.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>()));
        builder.Services.AddSingleton(sp => new PrometheusExporter(
            sp.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>(), () => sp.GetServices<IMetricsSource>()));

        foreach (var capability in capabilities)
        {
            if (options.IsEnabled(capability.Name))
            {
                capability.AddServices(builder.Services);
            }
        }

        // What a capability reads of another that is switched off: empty stand-ins, so nothing needs a null check.
        builder.Services.TryAddSingleton<IServiceDirectory, EmptyServiceDirectory>();
        builder.Services.TryAddSingleton<ILocalAddresses, NoLocalAddresses>();
        builder.Services.TryAddSingleton<IServiceAdvertiser, NoServiceAdvertiser>();
        builder.Services.TryAddSingleton<IMemberDirectory, EmptyMemberDirectory>();
        builder.Services.TryAddSingleton<ICertificateFacts, EmptyCertificateFacts>();
        builder.Services.TryAddSingleton<IMeshTrustAnchors, EmptyMeshTrustAnchors>();
        builder.Services.TryAddSingleton<Koi.Core.Trust.IMeshClientTrust, Koi.Core.Trust.EmptyMeshClientTrust>();
        builder.Services.TryAddSingleton<INameResolutionFacts, EmptyNameResolutionFacts>();
        builder.Services.TryAddSingleton<IProxyFacts, EmptyProxyFacts>();
        // Always present: the proxy and mDNS offer service names on it, certmesh asks the CA for them (docs/certmesh.md).
        builder.Services.TryAddSingleton<ServiceNameBoard>();

        configure?.Invoke(builder);

        var app = builder.Build();
        // The listener must exist before capabilities publish instruments they measure from their first packet.
        _ = app.Services.GetRequiredService<PrometheusExporter>();
        // Watching before any capability loads or saves state, so the first failed write already shows.
        _ = app.Services.GetRequiredService<DataDirHealth>();
        app.UseMiddleware<ErrorResponseMiddleware>();
        app.UseStatusCodePages(ErrorResponseMiddleware.WriteBareStatusAsync);
        app.UseMiddleware<LanGuardMiddleware>();
        app.UseMiddleware<HostFilterMiddleware>();
        app.UseMiddleware<TokenAuthMiddleware>();
        app.Use(RejectOversizedBodies);

        CoreEndpoints.Map(app);
        MetricsEndpoint.Map(app);
        app.MapKoiOpenApi();
        DashboardEndpoints.Map(app);
        mapExtra?.Invoke(app);
        foreach (var capability in capabilities)
        {
            if (options.IsEnabled(capability.Name))
            {
                capability.MapEndpoints(app.MapGroup($"/v1/{capability.Name}"));
            }
        }

        return app;
    }

    // Kestrel enforces the limit while streaming; this answers early when the length is declared up front.
    private static Task RejectOversizedBodies(HttpContext context, RequestDelegate next)
    {
        if (context.Request.ContentLength > MaxRequestBodyBytes)
        {
            throw new Core.Errors.KoiException(
                Core.Errors.KoiErrorCode.PayloadTooLarge, $"request body is larger than {MaxRequestBodyBytes} bytes");
        }

        return next(context);
    }
}
