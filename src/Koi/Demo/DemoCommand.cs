using System.CommandLine;
using System.Diagnostics;
using Koi.Cli;

namespace Koi.Demo;

/// <summary><c>koi demo</c>: the whole story on a throwaway lab on this machine, then nothing left behind.</summary>
internal static class DemoCommand
{
    public static Command Create(CliEnvironment environment)
    {
        var keep = new Option<bool>("--keep") { Description = "Leave the lab up afterwards to look around (prints how to remove it)" };
        var command = new Command("demo", """
            Run the whole story on a throwaway lab in network namespaces (root, Linux).

            Three machines on a bridge: create a CA, join, DNS, health, an HTTPS proxy. The lab is removed afterwards,
            also on failure and Ctrl+C.

            Example:
              sudo koi demo
            """);
        command.Options.Add(keep);
        command.SetHandler(environment, (cli, ct) => RunAsync(cli, cli.Parse.GetValue(keep), ct));
        return command;
    }

    private static async Task<int> RunAsync(CliContext cli, bool keep, CancellationToken ct)
    {
        if (!OperatingSystem.IsLinux() || !Environment.IsPrivilegedProcess)
        {
            return CliCommand.Fail(cli, "demo_needs_root", "koi demo needs root on Linux: it builds network namespaces (run: sudo koi demo)", ExitCodes.Failed);
        }

        var koi = Environment.ProcessPath ?? throw new CliFailure("demo_failed", "cannot tell where the koi binary is");
        var clock = Stopwatch.StartNew();
        var lab = DemoLab.Create(cli.Stderr);
        // With --json, stdout carries one document only; the narration goes to stderr.
        var narration = cli.Json ? cli.Stderr : cli.Stdout;
        var story = new DemoStory(lab, koi, narration);
        string? failure = null;
        try
        {
            var steps = await story.RunAsync(ct);
            narration.WriteLine($"demo: all {steps} steps green in {clock.Elapsed.TotalSeconds:0.0} s");
        }
        catch (DemoFailure ex)
        {
            failure = ex.Message;
            cli.Stderr.WriteLine($"demo: failed: {ex.Message}");
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            failure = "interrupted";
            cli.Stderr.WriteLine("demo: interrupted");
        }
        finally
        {
            var green = failure is null;
            if (keep && green)
            {
                narration.WriteLine($"demo: kept. Look around on stone-a: nsenter --net=/run/netns/{lab.Prefix}-stone-a env KOI_DATA_DIR={lab.Directory}/stone-a sh");
                narration.WriteLine($"demo: remove it: for ns in $(ip netns list | awk '/^{lab.Prefix}-/ {{print $1}}'); do ip netns pids $ns | xargs -r kill; ip netns del $ns; done; rm -rf {lab.Directory}");
            }
            else
            {
                await lab.DisposeAsync();
                narration.WriteLine($"demo: lab removed ({lab.Namespaces.Count} namespaces, daemons, {lab.Directory})");
            }
        }

        if (cli.Json)
        {
            cli.WriteJson(new DemoOutput(failure is null, story.StepsGreen, Math.Round(clock.Elapsed.TotalSeconds, 1), failure));
        }

        return failure is null ? ExitCodes.Ok : ExitCodes.Failed;
    }
}
