using Koi.Core.Storage;

namespace Koi.Service;

/// <summary>
/// Plans <c>koi install</c> / <c>koi uninstall</c> on a systemd machine: copy the binary, write the unit, let systemd
/// enable and start it (or the reverse). Running tools goes through <paramref name="run"/> so tests can point it at
/// a systemd of their own.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
internal sealed class SystemdInstaller(
    ServiceLayout layout,
    Func<string, IReadOnlyList<string>, CancellationToken, Task<(int ExitCode, string Output)>> run)
{
    private const UnixFileMode ExecutableMode = AtomicFile.PublicMode | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;
    private const UnixFileMode PrivateDirectoryMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    /// <summary>sd_booted(3): systemd is the init system exactly when this directory exists.</summary>
    public static bool SystemdIsRunning(string runDirectory = "/run/systemd/system") => Directory.Exists(runDirectory);

    public IReadOnlyList<ServiceStep> PlanInstall(string runningBinary, string version)
    {
        var steps = new List<ServiceStep>();
        if (string.Equals(Path.GetFullPath(runningBinary), layout.BinaryPath, StringComparison.Ordinal))
        {
            steps.Add(new($"use {layout.BinaryPath} (the running binary is already installed there)", _ => Task.CompletedTask));
        }
        else
        {
            // Written beside the target and renamed over it: a koi running from the old file keeps its inode.
            steps.Add(new($"copy {runningBinary} to {layout.BinaryPath} (0755)", _ =>
            {
                AtomicFile.WriteAllBytes(layout.BinaryPath, File.ReadAllBytes(runningBinary), ExecutableMode);
                return Task.CompletedTask;
            }));
        }

        steps.Add(new($"create data dir {layout.DataDir} (0700) if missing", _ =>
        {
            Directory.CreateDirectory(layout.DataDir, PrivateDirectoryMode);
            return Task.CompletedTask;
        }));
        var unit = SystemdUnit.Render(layout, version);
        steps.Add(new($"write {layout.UnitPath} (0644)", _ =>
        {
            AtomicFile.WriteAllText(layout.UnitPath, unit);
            return Task.CompletedTask;
        }));
        steps.Add(Systemctl("daemon-reload"));
        steps.Add(Systemctl("enable", ServiceLayout.UnitName));
        // restart, not start: a re-install must run the binary it just copied.
        steps.Add(Systemctl("restart", ServiceLayout.UnitName));
        steps.Add(Systemctl("is-active", ServiceLayout.UnitName));
        return steps;
    }

    public IReadOnlyList<ServiceStep> PlanUninstall(bool purge)
    {
        var steps = new List<ServiceStep>
        {
            // A unit that is already gone is not an error: uninstall is safe to repeat.
            Systemctl("disable --now", ServiceLayout.UnitName, tolerateFailure: true),
            new($"remove {layout.UnitPath}", _ =>
            {
                File.Delete(layout.UnitPath);
                return Task.CompletedTask;
            }),
            Systemctl("daemon-reload"),
            new($"remove {layout.BinaryPath}", _ =>
            {
                File.Delete(layout.BinaryPath);
                return Task.CompletedTask;
            }),
        };
        steps.Add(purge
            ? new($"delete data dir {layout.DataDir} (the CA key, roster, certificates: gone for good)", _ =>
            {
                if (Directory.Exists(layout.DataDir))
                {
                    Directory.Delete(layout.DataDir, recursive: true);
                }

                return Task.CompletedTask;
            })
            : new($"keep data dir {layout.DataDir} (`koi uninstall --purge` deletes it)", _ => Task.CompletedTask));
        return steps;
    }

    private ServiceStep Systemctl(string verb, string? unit = null, bool tolerateFailure = false)
    {
        var arguments = new List<string>(verb.Split(' '));
        if (unit is not null)
        {
            arguments.Add(unit);
        }

        return new($"systemctl {string.Join(' ', arguments)}", async ct =>
        {
            var (exit, output) = await run("systemctl", arguments, ct);
            if (exit != 0 && !tolerateFailure)
            {
                throw new ServiceInstallException($"systemctl {string.Join(' ', arguments)} failed (exit {exit}): {output}");
            }
        });
    }
}
