using System.Diagnostics;
using System.Text.Json;

namespace Koi.Tests.Published;

/// <summary>
/// The artefact users install: one Native AOT file. ./test.sh publishes it before the tests run; a plain
/// `dotnet test` without it skips these (and says how to get it).
/// </summary>
public sealed class PublishedBinaryTests
{
    private static string Binary
    {
        get
        {
            var path = RepoPaths.PublishedBinary;
            if (!File.Exists(path))
            {
                Assert.Skip($"{path} missing: run ./test.sh, or dotnet publish src/Koi -c Release -r linux-x64 -o artifacts/publish");
            }

            return path;
        }
    }

    [Fact]
    public void Publish_IsOneSelfContainedFile()
    {
        var dir = Path.GetDirectoryName(Binary)!;

        Assert.False(File.Exists(Path.Combine(dir, "koi.dll")), "a framework-dependent build was published");
        Assert.True(File.GetUnixFileMode(Binary).HasFlag(UnixFileMode.UserExecute));
    }

    [Fact]
    public async Task Version_Json_CarriesBuildCommit()
    {
        var run = await KoiProcess.RunAsync(Binary, ["version", "--json"]);

        Assert.Equal(0, run.ExitCode);
        var commit = JsonDocument.Parse(run.Stdout).RootElement.GetProperty("commit").GetString();
        Assert.Matches("^[0-9a-f]{7,40}$", commit);
    }

    [Fact]
    public async Task Daemon_StartsServesAndStopsOnSigterm()
    {
        var started = Stopwatch.StartNew();
        await using var daemon = await LocalDaemon.StartAsync(Binary);
        var healthyAfter = started.Elapsed;

        var status = await daemon.GetJsonAsync("/v1/status");
        var stopping = Stopwatch.StartNew();
        daemon.Process.Terminate();
        var code = await daemon.Process.WaitForExitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(daemon.Process.Pid, status.GetProperty("pid").GetInt32());
        Assert.Equal(0, code);
        // Generous bounds (loaded CI machines); docs/performance.md has the measured figures.
        Assert.True(healthyAfter < TimeSpan.FromSeconds(10), $"healthy after {healthyAfter}");
        Assert.True(stopping.Elapsed < TimeSpan.FromSeconds(5), $"stopped after {stopping.Elapsed}");
    }
}
