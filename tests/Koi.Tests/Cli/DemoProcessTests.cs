using System.Globalization;
using System.Text.RegularExpressions;

namespace Koi.Tests.Cli;

/// <summary>
/// The built <c>koi demo</c> as an operator runs it: the whole story to its green line in a lab of network namespaces,
/// and afterwards — green or interrupted — no namespace, temp directory or process of that lab left on the machine.
/// </summary>
public sealed partial class DemoProcessTests
{
    private const string Ip = "/usr/sbin/ip";
    private static readonly string Koi = KoiProcess.BuiltBinary;
    private static readonly TimeSpan s_demoTimeout = TimeSpan.FromMinutes(3);

    [Fact(Timeout = 240_000)]
    public async Task Demo_AsRoot_AllStepsGreenAndNothingLeftBehind()
    {
        Assert.SkipWhen(!IsRoot, "koi demo builds network namespaces, which needs root");

        var run = await KoiProcess.RunAsync(Koi, ["demo"], timeout: s_demoTimeout);

        Assert.True(run.ExitCode == 0, $"exit {run.ExitCode}\n{run.Stdout}\n{run.Stderr}");
        Assert.Matches(GreenLine(), run.Stdout);
        foreach (var step in new[] { "lab", "daemons", "create", "join", "dns", "health", "proxy" })
        {
            Assert.Contains($"] {step}: ", run.Stdout, StringComparison.Ordinal);
        }

        await AssertNothingLeftAsync(LabPrefix(run.Stdout));
    }

    [Fact(Timeout = 240_000)]
    public async Task Demo_InterruptedAfterDaemonsStarted_ExitsOneAndNothingLeftBehind()
    {
        Assert.SkipWhen(!IsRoot, "koi demo builds network namespaces, which needs root");

        await using var demo = KoiProcess.Start(Koi, ["demo"]);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (!demo.Stdout.Contains("] create: ", StringComparison.Ordinal))
        {
            Assert.False(demo.HasExited, $"demo ended before its daemons were up:\n{demo.Stdout}\n{demo.Stderr}");
            Assert.True(DateTime.UtcNow < deadline, $"demo never reached the create step:\n{demo.Stdout}\n{demo.Stderr}");
            await Task.Delay(100, TestContext.Current.CancellationToken);
        }

        // Ctrl+C in a terminal is SIGINT.
        var kill = await KoiProcess.RunAsync("/bin/kill", ["-INT", demo.Pid.ToString(CultureInfo.InvariantCulture)]);
        Assert.Equal(0, kill.ExitCode);
        var code = await demo.WaitForExitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(1, code);
        Assert.Contains("demo: interrupted", demo.Stderr, StringComparison.Ordinal);
        Assert.DoesNotMatch(GreenLine(), demo.Stdout);
        await AssertNothingLeftAsync(LabPrefix(demo.Stdout));
    }

    [Fact(Timeout = 240_000)]
    public async Task Demo_Keep_LabStaysUpUntilThePrintedCommandRemovesIt()
    {
        Assert.SkipWhen(!IsRoot, "koi demo builds network namespaces, which needs root");

        var run = await KoiProcess.RunAsync(Koi, ["demo", "--keep"], timeout: s_demoTimeout);
        Assert.True(run.ExitCode == 0, $"exit {run.ExitCode}\n{run.Stdout}\n{run.Stderr}");
        var prefix = LabPrefix(run.Stdout);
        var remove = RemovePattern().Match(run.Stdout);
        try
        {
            var namespaces = await KoiProcess.RunAsync(Ip, ["netns", "list"]);
            Assert.Equal(4, namespaces.Stdout.Split('\n').Count(line => line.StartsWith(prefix + "-", StringComparison.Ordinal)));
            var status = await KoiProcess.RunAsync(
                "/usr/bin/nsenter",
                [$"--net=/run/netns/{prefix}-stone-a", Koi, "certmesh", "status", "--json"],
                new Dictionary<string, string?> { ["KOI_DATA_DIR"] = Path.Combine(Path.GetTempPath(), prefix, "stone-a") });
            Assert.True(status.ExitCode == 0, status.Stderr);
            Assert.True(remove.Success, $"no removal command printed:\n{run.Stdout}");
        }
        finally
        {
            if (remove.Success)
            {
                await KoiProcess.RunAsync("/bin/sh", ["-c", remove.Groups[1].Value]);
            }
        }

        await AssertNothingLeftAsync(prefix);
    }

    [Fact]
    public async Task Demo_NotRoot_ExitsOneSayingItNeedsRoot()
    {
        // As root, the same binary runs as nobody; as anyone else, as is.
        var run = IsRoot
            ? await KoiProcess.RunAsync("/usr/bin/setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", Koi, "demo", "--json"])
            : await KoiProcess.RunAsync(Koi, ["demo", "--json"]);

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("\"error\":\"demo_needs_root\"", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("koi demo needs root", run.Stderr, StringComparison.Ordinal);
    }

    private static bool IsRoot => Environment.IsPrivilegedProcess;

    private static string LabPrefix(string narration)
    {
        var match = PrefixPattern().Match(narration);
        Assert.True(match.Success, $"the demo did not name its namespaces:\n{narration}");
        return match.Groups[1].Value;
    }

    private static async Task AssertNothingLeftAsync(string prefix)
    {
        var namespaces = await KoiProcess.RunAsync(Ip, ["netns", "list"]);
        Assert.Equal(0, namespaces.ExitCode);
        Assert.DoesNotContain(prefix, namespaces.Stdout, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(Path.GetTempPath(), prefix)), $"{prefix} temp directory left behind");

        // Every process the demo starts carries its lab's data dir in its environment. A daemon told to stop by SIGTERM
        // (the --keep removal command) drains for up to 1.5 s, so this waits a little before calling it left behind.
        var marker = $"KOI_DATA_DIR={Path.Combine(Path.GetTempPath(), prefix)}/";
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        var left = ProcessesWith(marker);
        while (left.Count > 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(250, TestContext.Current.CancellationToken);
            left = ProcessesWith(marker);
        }

        Assert.True(left.Count == 0, "processes of the demo left behind:\n" + string.Join('\n', left));
    }

    private static List<string> ProcessesWith(string marker)
    {
        var left = new List<string>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            try
            {
                if (int.TryParse(Path.GetFileName(dir), out _) && File.ReadAllText(Path.Combine(dir, "environ")).Contains(marker, StringComparison.Ordinal))
                {
                    left.Add($"{Path.GetFileName(dir)}: {File.ReadAllText(Path.Combine(dir, "cmdline")).Replace('\0', ' ')}");
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // The process ended while we looked.
            }
        }

        return left;
    }

    [GeneratedRegex(@"demo: all 7 steps green in \d+\.\d s")]
    private static partial Regex GreenLine();

    [GeneratedRegex(@"demo: remove it: (.+)")]
    private static partial Regex RemovePattern();

    [GeneratedRegex(@"namespaces (koidemo-\d+)-\*")]
    private static partial Regex PrefixPattern();
}
