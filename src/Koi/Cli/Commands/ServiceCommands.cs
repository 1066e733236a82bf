using System.CommandLine;
using Koi.Core.Paths;
using Koi.Service;

namespace Koi.Cli.Commands;

/// <summary><c>koi install</c> and <c>koi uninstall</c>: koi as a system service (docs/service.md).</summary>
internal static class ServiceCommands
{
    public static Command Install(CliEnvironment environment)
    {
        var dryRun = new Option<bool>("--dry-run") { Description = "Print what install would do and the unit it would write; change nothing" };
        var command = new Command("install", """
            Install koi as a system service that starts at boot and restarts when it dies (root).
            Copies this binary to /usr/local/bin/koi, writes the systemd unit koi.service, enables and starts it.

            Examples:
              sudo koi install --dry-run
              sudo koi install
              journalctl -u koi -f
            """);
        command.Options.Add(dryRun);
        command.SetHandler(environment, async (cli, ct) =>
        {
            var dry = cli.Parse.GetValue(dryRun);
            RequireRootUnless(dry, "install");
            var binary = Environment.ProcessPath ?? throw new CliFailure("install", "cannot tell which binary is running");
            if (Path.GetFileNameWithoutExtension(binary) == "dotnet")
            {
                throw new CliFailure("install", "run koi install from the published koi binary, not through `dotnet run` (README: publish)");
            }

            var layout = ServiceLayout.Default(ServiceDataDir(cli));
            var steps = Plan(() => ServicePlanner.Install(layout, binary, BuildInfo.Version, dry));
            var unit = OperatingSystem.IsLinux() ? SystemdUnit.Render(layout, BuildInfo.Version) : null;
            if (dry)
            {
                return PrintDryRun(cli, "install", steps, unit);
            }

            var code = await RunAsync(cli, "install", steps, ct);
            if (code == ExitCodes.Ok && !cli.Json)
            {
                cli.Stdout.WriteLine("""

                    koi runs as a system service now; it starts at boot and restarts if it dies.
                      status: koi status
                      logs:   journalctl -u koi -f
                      remove: sudo koi uninstall   (keeps the data dir; --purge deletes it)
                    """);
            }

            return code;
        });
        return command;
    }

    public static Command Uninstall(CliEnvironment environment)
    {
        var dryRun = new Option<bool>("--dry-run") { Description = "Print what uninstall would do; change nothing" };
        var purge = new Option<bool>("--purge") { Description = "Also delete the data dir (CA key, roster, certificates); asks you to type PURGE" };
        var yes = new Option<bool>("--yes") { Description = "With --purge: do not ask for the typed confirmation" };
        var command = new Command("uninstall", """
            Stop and remove the koi system service and /usr/local/bin/koi (root). The data dir stays unless --purge.

            Examples:
              sudo koi uninstall
              sudo koi uninstall --purge
            """);
        command.Options.Add(dryRun);
        command.Options.Add(purge);
        command.Options.Add(yes);
        command.SetHandler(environment, async (cli, ct) =>
        {
            var dry = cli.Parse.GetValue(dryRun);
            var purging = cli.Parse.GetValue(purge);
            RequireRootUnless(dry, "uninstall");
            var layout = ServiceLayout.Default(ServiceDataDir(cli));
            var steps = Plan(() => ServicePlanner.Uninstall(layout, purging, dry));
            if (dry)
            {
                return PrintDryRun(cli, "uninstall", steps, unit: null);
            }

            if (purging && !cli.Parse.GetValue(yes))
            {
                if (!cli.Interactive)
                {
                    throw new UsageException("--purge needs --yes when it cannot ask (not a terminal or --json)");
                }

                cli.Stdout.Write($"This deletes {layout.DataDir}: the CA key, roster and certificates. Type PURGE to continue: ");
                if (Console.ReadLine()?.Trim() != "PURGE")
                {
                    throw new CliFailure("cancelled", "not confirmed; nothing changed");
                }
            }

            return await RunAsync(cli, "uninstall", steps, ct);
        });
        return command;
    }

    // The service always runs as root with the root default, whoever asks for a dry run.
    private static string ServiceDataDir(CliContext cli) =>
        string.IsNullOrWhiteSpace(cli.DataDir) ? "/var/lib/koi" : KoiPaths.Resolve(cli.DataDir).DataDir;

    private static void RequireRootUnless(bool dryRun, string verb)
    {
        if (!dryRun && !Environment.IsPrivilegedProcess)
        {
            throw new CliFailure("not_root", $"koi {verb} needs root (it changes the system's services): sudo koi {verb}, or --dry-run to see what it does");
        }
    }

    private static IReadOnlyList<ServiceStep> Plan(Func<IReadOnlyList<ServiceStep>> plan)
    {
        try
        {
            return plan();
        }
        catch (ServiceInstallException ex)
        {
            throw new CliFailure("no_service_manager", ex.Message);
        }
    }

    private static int PrintDryRun(CliContext cli, string verb, IReadOnlyList<ServiceStep> steps, string? unit)
    {
        if (cli.Json)
        {
            cli.WriteJson(new ServicePlanView(verb, DryRun: true, [.. steps.Select(s => s.Description)], unit));
            return ExitCodes.Ok;
        }

        cli.Stdout.WriteLine($"koi {verb} --dry-run: nothing changed. A real run would:");
        for (var i = 0; i < steps.Count; i++)
        {
            cli.Stdout.WriteLine($"  {i + 1}. {steps[i].Description}");
        }

        if (unit is not null)
        {
            cli.Stdout.WriteLine();
            cli.Stdout.WriteLine($"The unit ({ServiceLayout.UnitName}):");
            cli.Stdout.Write(unit);
        }

        return ExitCodes.Ok;
    }

    private static async Task<int> RunAsync(CliContext cli, string verb, IReadOnlyList<ServiceStep> steps, CancellationToken ct)
    {
        var done = new List<string>();
        foreach (var step in steps)
        {
            try
            {
                await step.RunAsync(ct);
            }
            catch (Exception ex) when (ex is ServiceInstallException or IOException or UnauthorizedAccessException)
            {
                if (!cli.Json)
                {
                    cli.Stdout.WriteLine($"  ✗ {step.Description}");
                }

                throw new CliFailure($"{verb}_failed", $"{step.Description}: {ex.Message}");
            }

            done.Add(step.Description);
            if (!cli.Json)
            {
                cli.Stdout.WriteLine($"  ✓ {step.Description}");
            }
        }

        if (cli.Json)
        {
            cli.WriteJson(new ServicePlanView(verb, DryRun: false, done, Unit: null));
        }

        return ExitCodes.Ok;
    }
}

internal sealed record ServicePlanView(string Action, bool DryRun, IReadOnlyList<string> Steps, string? Unit);
