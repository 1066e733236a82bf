using Koi.Core.Processes;

namespace Koi.Service;

/// <summary>
/// Chooses how this machine runs services. systemd is tested (docs/service.md); launchd and the Windows service
/// manager are planned the same way but untested, which the plan itself says.
/// </summary>
internal static class ServicePlanner
{
    public static IReadOnlyList<ServiceStep> Install(ServiceLayout layout, string runningBinary, string version, bool dryRun)
    {
        if (OperatingSystem.IsLinux())
        {
            RequireSystemd(dryRun);
            return new SystemdInstaller(layout, Run).PlanInstall(runningBinary, version);
        }

        if (OperatingSystem.IsMacOS())
        {
            return
            [
                new($"write {LaunchdPlist.Path} (untested on macOS)", _ =>
                {
                    Core.Storage.AtomicFile.WriteAllText(LaunchdPlist.Path, LaunchdPlist.Render(layout));
                    return Task.CompletedTask;
                }),
                Tool("launchctl", ["bootstrap", "system", LaunchdPlist.Path]),
            ];
        }

        if (OperatingSystem.IsWindows())
        {
            return
            [
                Tool("sc.exe", ["create", "koi", "binPath=", $"\"{runningBinary}\" daemon --data-dir \"{layout.DataDir}\"", "start=", "auto"], "(untested on Windows)"),
                Tool("sc.exe", ["start", "koi"]),
            ];
        }

        throw new ServiceInstallException("koi install knows systemd (Linux), launchd (macOS) and Windows services; run `koi daemon` under your init system");
    }

    public static IReadOnlyList<ServiceStep> Uninstall(ServiceLayout layout, bool purge, bool dryRun)
    {
        if (OperatingSystem.IsLinux())
        {
            RequireSystemd(dryRun);
            return new SystemdInstaller(layout, Run).PlanUninstall(purge);
        }

        if (OperatingSystem.IsMacOS())
        {
            return [Tool("launchctl", ["bootout", "system/" + LaunchdPlist.Label], "(untested on macOS)")];
        }

        if (OperatingSystem.IsWindows())
        {
            return [Tool("sc.exe", ["stop", "koi"], "(untested on Windows)"), Tool("sc.exe", ["delete", "koi"])];
        }

        throw new ServiceInstallException("koi uninstall knows systemd (Linux), launchd (macOS) and Windows services");
    }

    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    // A dry run still shows the plan on a machine without systemd (to read the unit before moving it elsewhere).
    private static void RequireSystemd(bool dryRun)
    {
        if (!dryRun && !SystemdInstaller.SystemdIsRunning())
        {
            throw new ServiceInstallException(
                "systemd is not running on this machine (no /run/systemd/system); run `koi daemon` under your init system, or see the unit with `koi install --dry-run`");
        }
    }

    private static Task<(int ExitCode, string Output)> Run(string file, IReadOnlyList<string> arguments, CancellationToken ct) =>
        CommandRunner.RunAsync(file, arguments, ct, TimeSpan.FromSeconds(90));

    private static ServiceStep Tool(string file, IReadOnlyList<string> arguments, string? note = null) =>
        new($"{file} {string.Join(' ', arguments)}{(note is null ? "" : " " + note)}", async ct =>
        {
            var (exit, output) = await Run(file, arguments, ct);
            if (exit != 0)
            {
                throw new ServiceInstallException($"{file} failed (exit {exit}): {output}");
            }
        });
}
