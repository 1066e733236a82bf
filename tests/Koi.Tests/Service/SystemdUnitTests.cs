using System.Diagnostics;
using Koi.Service;

namespace Koi.Tests.Service;

public sealed class SystemdUnitTests
{
    [Fact]
    public void Render_DefaultLayout_NotifyServiceWithWatchdogRestartAndPort443Capability()
    {
        var unit = SystemdUnit.Render(ServiceLayout.Default("/var/lib/koi"), "1.2.3");

        Assert.Contains("Type=notify\n", unit);
        Assert.Contains("ExecStart=/usr/local/bin/koi daemon --data-dir /var/lib/koi\n", unit);
        Assert.Contains("Restart=on-failure\n", unit);
        Assert.Contains("WatchdogSec=30\n", unit);
        Assert.Contains("AmbientCapabilities=CAP_NET_BIND_SERVICE\n", unit);
        Assert.Contains("ProtectSystem=strict\n", unit);
        Assert.Contains("ReadWritePaths=/var/lib/koi\n", unit);
        Assert.Contains("WantedBy=multi-user.target\n", unit);
        Assert.Contains("koi 1.2.3", unit);
    }

    [Fact]
    public void Render_DataDirWithSpace_QuotedSoSystemdKeepsOneArgument()
    {
        var unit = SystemdUnit.Render(new ServiceLayout("/opt/koi/bin/koi", "/etc/systemd/system/koi.service", "/srv/koi data"), "1.0.0");

        Assert.Contains("ExecStart=/opt/koi/bin/koi daemon --data-dir \"/srv/koi data\"\n", unit);
    }

    [Fact]
    public async Task Render_Unit_PassesSystemdAnalyzeVerify()
    {
        Assert.SkipUnless(File.Exists("/usr/bin/systemd-analyze"), "systemd-analyze is not installed");
        var dir = Directory.CreateTempSubdirectory("koi-unit-");
        try
        {
            // verify checks that ExecStart's binary exists, so point it at a real executable.
            var unitPath = Path.Combine(dir.FullName, "koi.service");
            File.WriteAllText(unitPath, SystemdUnit.Render(new ServiceLayout("/bin/true", unitPath, dir.FullName), "1.0.0"));
            var start = new ProcessStartInfo("systemd-analyze") { RedirectStandardError = true, RedirectStandardOutput = true };
            start.ArgumentList.Add("verify");
            start.ArgumentList.Add(unitPath);
            using var process = Process.Start(start)!;
            var stderr = await process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
            await process.WaitForExitAsync(TestContext.Current.CancellationToken);

            Assert.True(process.ExitCode == 0, stderr);
            Assert.DoesNotContain("Unknown", stderr, StringComparison.OrdinalIgnoreCase);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Theory]
    [InlineData("30000000", null, "00:00:10")]
    [InlineData("30000000", "4242", "00:00:10")]
    [InlineData("30000000", "1", null)]
    [InlineData(null, null, null)]
    [InlineData("0", null, null)]
    [InlineData("abc", null, null)]
    public void Interval_WatchdogEnvironment_ThirdOfTimeoutOnlyForThisProcess(string? usec, string? pid, string? expected)
    {
        var environment = new Dictionary<string, string?> { ["WATCHDOG_USEC"] = usec, ["WATCHDOG_PID"] = pid };

        var interval = SystemdWatchdog.Interval(name => environment.GetValueOrDefault(name), processId: 4242);

        Assert.Equal(expected, interval?.ToString());
    }

    [Fact]
    public void SystemdIsRunning_NoRunDirectory_False()
    {
        Assert.False(SystemdInstaller.SystemdIsRunning(Path.Combine(Path.GetTempPath(), Guid.NewGuid().ToString("N"))));
        Assert.True(SystemdInstaller.SystemdIsRunning(Path.GetTempPath()));
    }

    [Fact]
    public void PlanUninstall_WithoutPurge_KeepsDataDirAndSaysHowToDeleteIt()
    {
        var installer = new SystemdInstaller(ServiceLayout.Default("/var/lib/koi"), (_, _, _) => Task.FromResult((0, "")));

        var steps = installer.PlanUninstall(purge: false).Select(s => s.Description).ToList();

        Assert.Contains(steps, s => s.StartsWith("systemctl disable --now koi.service", StringComparison.Ordinal));
        Assert.Contains("keep data dir /var/lib/koi (`koi uninstall --purge` deletes it)", steps);
        Assert.DoesNotContain(steps, s => s.StartsWith("delete data dir", StringComparison.Ordinal));
    }

    [Fact]
    public async Task PlanInstall_SystemctlFails_StepThrowsWithToolOutput()
    {
        var installer = new SystemdInstaller(
            ServiceLayout.Default("/var/lib/koi"),
            (_, arguments, _) => Task.FromResult(arguments[0] == "restart" ? (1, "Job for koi.service failed") : (0, "")));

        var restart = installer.PlanInstall("/usr/local/bin/koi", "1.0.0").Single(s => s.Description == "systemctl restart koi.service");

        var error = await Assert.ThrowsAsync<ServiceInstallException>(() => restart.RunAsync(CancellationToken.None));
        Assert.Contains("Job for koi.service failed", error.Message);
    }
}
