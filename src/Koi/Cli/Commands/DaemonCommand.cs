using System.CommandLine;
using System.Net;
using Koi.Core.Capabilities;
using Koi.Core.Paths;
using Koi.Core.Storage;
using Koi.Daemon;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Koi.Cli.Commands;

internal static class DaemonCommand
{
    public static Command Create(CliEnvironment environment)
    {
        var port = new Option<int>("--http-port") { Description = "HTTP API port", DefaultValueFactory = _ => DaemonOptions.DefaultHttpPort };
        var bind = new Option<string>("--http-bind")
        {
            Description = "Address of the HTTP port (default 0.0.0.0: the management API still answers loopback callers only; other machines reach only LAN routes such as certmesh enrollment; 127.0.0.1 keeps the port off the LAN)",
            DefaultValueFactory = _ => "0.0.0.0",
        };
        var dashboardBind = new Option<string?>("--dashboard-bind")
        {
            Description = "Also serve the dashboard (and the API, to a logged-in browser or the token) on ADDR:PORT, e.g. 192.168.1.10:5642; plain HTTP, see docs/dashboard.md",
        };
        var logLevel = new Option<string?>("--log-level") { Description = "trace|debug|info|warn|error (env KOI_LOG)" };
        var mdnsInterfaces = new Option<string[]>("--mdns-interface") { Description = "Network interface for mDNS (repeatable; default: every multicast-capable LAN interface, container bridges excluded)" };
        var toggles = new Dictionary<string, Option<bool>>(StringComparer.Ordinal);
        var command = new Command("daemon", """
            Run the koi daemon in the foreground (Ctrl+C or SIGTERM stops it cleanly).

            Examples:
              koi daemon
              koi daemon --no-mdns --http-port 5642 --data-dir /tmp/koi-try
              KOI_NO_DNS=1 KOI_LOG=debug koi daemon
            """);
        command.Options.Add(port);
        command.Options.Add(bind);
        command.Options.Add(dashboardBind);
        command.Options.Add(logLevel);
        command.Options.Add(mdnsInterfaces);
        foreach (var name in CapabilityNames.All)
        {
            var toggle = new Option<bool>($"--no-{name}") { Description = $"Do not run the {name} capability (env KOI_NO_{name.ToUpperInvariant()}=1)" };
            toggles[name] = toggle;
            command.Options.Add(toggle);
        }

        command.SetHandler(environment, async (cli, ct) =>
        {
            if (!IPAddress.TryParse(cli.Parse.GetValue(bind), out var address))
            {
                throw new UsageException($"--http-bind: '{cli.Parse.GetValue(bind)}' is not an IP address");
            }

            var httpPort = cli.Parse.GetValue(port);
            if (httpPort is < 1 or > 65535)
            {
                throw new UsageException($"--http-port: {httpPort} is not a port (1-65535)");
            }

            IPEndPoint? dashboard = null;
            if (cli.Parse.GetValue(dashboardBind) is { } dashboardText && !IPEndPoint.TryParse(dashboardText, out dashboard))
            {
                throw new UsageException($"--dashboard-bind: '{dashboardText}' is not ADDRESS:PORT");
            }

            if (dashboard is { Port: 0 })
            {
                throw new UsageException("--dashboard-bind needs a port, e.g. 192.168.1.10:5642");
            }

            var disabled = new HashSet<string>(DaemonOptions.DisabledFromEnvironment(Environment.GetEnvironmentVariable), StringComparer.Ordinal);
            foreach (var (name, toggle) in toggles)
            {
                if (cli.Parse.GetValue(toggle))
                {
                    disabled.Add(name);
                }
            }

            var dataDir = KoiPaths.Resolve(cli.DataDir).DataDir;
            var options = new DaemonOptions
            {
                DataDir = dataDir,
                Config = DaemonConfigFile.Load(dataDir),
                HttpBind = address,
                HttpPort = httpPort,
                DashboardBind = dashboard,
                LogLevel = ParseLogLevel(cli.Parse.GetValue(logLevel) ?? Environment.GetEnvironmentVariable("KOI_LOG")),
                Disabled = disabled,
                MdnsInterfaces = cli.Parse.GetValue(mdnsInterfaces) ?? [],
                HostnameOverride = Environment.GetEnvironmentVariable("KOI_HOSTNAME") is { Length: > 0 } hostname ? hostname : null,
            };
            return await RunAsync(cli, options, ct);
        });
        return command;
    }

    public static async Task<int> RunAsync(CliContext cli, DaemonOptions options, CancellationToken cancellationToken)
    {
        var paths = new KoiPaths(options.DataDir);
        try
        {
            paths.EnsureDataDir();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return CliCommand.Fail(cli, "data_dir", $"cannot create data dir {paths.DataDir}: {ex.Message}", ExitCodes.Failed);
        }

        if (DataDirSafety.Problem(paths.DataDir) is { } unsafeDir)
        {
            return CliCommand.Fail(cli, "data_dir_unsafe", $"refusing the data dir: {unsafeDir}", ExitCodes.Failed);
        }

        AtomicFile.CleanupStaleTempFiles(paths.DataDir);
        DataDirLock dataLock;
        try
        {
            dataLock = DataDirLock.Acquire(paths.DataDir);
        }
        catch (InvalidOperationException ex)
        {
            return CliCommand.Fail(cli, "data_dir_locked", ex.Message, ExitCodes.Failed);
        }

        using (dataLock)
        {
            var token = DaemonToken.Generate();
            var endpointHost = options.HttpBind.Equals(IPAddress.Any) ? "127.0.0.1"
                : options.HttpBind.Equals(IPAddress.IPv6Any) ? "[::1]"
                : options.HttpBind.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{options.HttpBind}]"
                : options.HttpBind.ToString();
            var breadcrumb = new Breadcrumb($"http://{endpointHost}:{options.HttpPort}", token.Value, Environment.ProcessId, DateTimeOffset.UtcNow);
            await using var app = DaemonApp.Build(options, token, DaemonApp.BuiltInCapabilities(options),
                configure: builder => builder.Services.AddHostedService(_ => new BreadcrumbWriter(breadcrumb, paths.DataDir)));
            using var unobserved = UnobservedTaskLogger.Attach(app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Koi.Daemon"));
            try
            {
                await app.StartAsync(cancellationToken);
            }
            catch (IOException ex)
            {
                return CliCommand.Fail(cli, "listen_failed", $"cannot listen on {options.HttpBind}:{options.HttpPort}: {ex.Message}", ExitCodes.Failed);
            }

            try
            {
                await app.WaitForShutdownAsync(cancellationToken);
            }
            finally
            {
                Breadcrumb.RemoveIfOwnedBy(paths.DataDir, Environment.ProcessId);
                await app.StopAsync(CancellationToken.None);
            }
        }

        return ExitCodes.Ok;
    }

    private static LogLevel ParseLogLevel(string? text) => text?.ToLowerInvariant() switch
    {
        null or "" or "info" or "information" => LogLevel.Information,
        "trace" => LogLevel.Trace,
        "debug" => LogLevel.Debug,
        "warn" or "warning" => LogLevel.Warning,
        "error" => LogLevel.Error,
        _ => throw new UsageException($"--log-level: '{text}' is not one of trace, debug, info, warn, error"),
    };
}
