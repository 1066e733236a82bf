using System.Globalization;
using System.Text.Json;
using Koi.Scenarios.Harness;

namespace Koi.Scenarios.Scenarios;

/// <summary>`koi install` against a real systemd (PID 1 of its own namespaces), as an operator would run it.</summary>
public sealed class ServiceScenarios
{
    private const string Unit = "koi.service";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact(Timeout = 240_000)]
    public async Task Install_RealSystemd_NotifyServiceWatchdogRestartAfterKillJournalLevelsUninstallKeepsData()
    {
        LabRequirements.SkipUnlessAvailable();
        await using var host = await SystemdHost.BootAsync(Ct);

        var install = (await host.RunAsync([KoiDaemon.Binary, "install"], Ct)).EnsureSuccess();
        Assert.Contains("journalctl -u koi", install.Stdout);
        Assert.Equal("active", (await host.RunAsync(["systemctl", "is-active", Unit], Ct)).Stdout.Trim());
        Assert.Equal("notify", await host.UnitPropertyAsync(Unit, "Type", Ct));
        Assert.Equal("enabled", (await host.RunAsync(["systemctl", "is-enabled", Unit], Ct)).Stdout.Trim());
        (await host.RunAsync(["test", "-x", "/usr/local/bin/koi"], Ct)).EnsureSuccess();

        // The watchdog pings only after /healthz answered, and says so in status.
        await Poll.UntilAsync(async () => await ComponentStateAsync(host, "core/watchdog") == "running", TimeSpan.FromSeconds(30), "core/watchdog running", Ct);

        // A warning (a request without the token) reaches the journal as priority 4, not as plain info.
        await host.RunAsync(["curl", "-s", "-X", "POST", "http://127.0.0.1:5641/v1/ceremony"], Ct);
        await Poll.UntilAsync(async () => (await host.RunAsync(["journalctl", "-u", Unit, "-p", "warning", "--no-pager", "-o", "cat"], Ct)).Stdout.Contains("denied POST /v1/ceremony", StringComparison.Ordinal),
            TimeSpan.FromSeconds(15), "the denial as a warning in the journal", Ct);

        // kill -9: systemd starts a new koi (Restart=on-failure) that is ready again.
        var firstPid = int.Parse(await host.UnitPropertyAsync(Unit, "MainPID", Ct), CultureInfo.InvariantCulture);
        (await host.RunAsync(["kill", "-9", firstPid.ToString(CultureInfo.InvariantCulture)], Ct)).EnsureSuccess();
        await Poll.UntilAsync(async () =>
            await host.UnitPropertyAsync(Unit, "NRestarts", Ct) == "1"
            && (await host.RunAsync(["systemctl", "is-active", Unit], Ct)).Stdout.Trim() == "active"
            && await host.UnitPropertyAsync(Unit, "MainPID", Ct) != firstPid.ToString(CultureInfo.InvariantCulture),
            TimeSpan.FromSeconds(30), "systemd to restart koi after kill -9", Ct);
        Assert.Equal("running", await ComponentStateAsync(host, "core/http_api"));

        // uninstall: gone from systemd and /usr/local/bin, data dir kept.
        (await host.RunAsync([KoiDaemon.Binary, "uninstall"], Ct)).EnsureSuccess();
        Assert.NotEqual("active", (await host.RunAsync(["systemctl", "is-active", Unit], Ct)).Stdout.Trim());
        Assert.False((await host.RunAsync(["test", "-e", "/etc/systemd/system/" + Unit], Ct)).Succeeded);
        Assert.False((await host.RunAsync(["test", "-e", "/usr/local/bin/koi"], Ct)).Succeeded);
        (await host.RunAsync(["test", "-d", KoiDaemon.DataDir], Ct)).EnsureSuccess();

        // --purge without a terminal needs --yes; with it the data dir goes too.
        (await host.RunAsync([KoiDaemon.Binary, "install"], Ct)).EnsureSuccess();
        var refused = await host.RunAsync([KoiDaemon.Binary, "uninstall", "--purge"], Ct);
        Assert.Equal(2, refused.ExitCode);
        Assert.Equal("active", (await host.RunAsync(["systemctl", "is-active", Unit], Ct)).Stdout.Trim());
        (await host.RunAsync([KoiDaemon.Binary, "uninstall", "--purge", "--yes"], Ct)).EnsureSuccess();
        Assert.False((await host.RunAsync(["test", "-e", KoiDaemon.DataDir], Ct)).Succeeded);
    }

    private static async Task<string?> ComponentStateAsync(SystemdHost host, string component)
    {
        var status = await host.RunAsync([KoiDaemon.Binary, "status", "--json"], Ct);
        if (!status.Succeeded)
        {
            return null;
        }

        using var json = JsonDocument.Parse(status.Stdout);
        foreach (var entry in json.RootElement.GetProperty("components").EnumerateArray())
        {
            if (entry.GetProperty("name").GetString() == component)
            {
                return entry.GetProperty("state").GetString();
            }
        }

        return null;
    }
}
