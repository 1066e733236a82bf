using System.Text.Json;

namespace Koi.Tests.Cli;

/// <summary>The real koi executable, run as a user or a script runs it.</summary>
public sealed class CliProcessTests
{
    private static readonly string Koi = KoiProcess.BuiltBinary;

    [Fact]
    public async Task Version_Json_OneDocumentWithVersionAndRuntime()
    {
        var run = await KoiProcess.RunAsync(Koi, ["version", "--json"]);

        Assert.Equal(0, run.ExitCode);
        var doc = JsonDocument.Parse(run.Stdout).RootElement;
        Assert.Matches(@"^\d+\.\d+\.\d+", doc.GetProperty("version").GetString());
        Assert.StartsWith(".NET 10", doc.GetProperty("runtime").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnknownOption_ExitsTwoWithUsageHint()
    {
        var run = await KoiProcess.RunAsync(Koi, ["status", "--bogus"]);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("--bogus", run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Status_NoDaemon_ExitsThreeAndSaysHowToStartIt()
    {
        using var dir = new TempDirectory();
        var port = KoiProcess.FreeTcpPort();

        var run = await KoiProcess.RunAsync(Koi, ["status", "--data-dir", dir.Path, "--endpoint", $"http://127.0.0.1:{port}"]);

        Assert.Equal(3, run.ExitCode);
        Assert.Contains("koi daemon", run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Status_NoDaemonJson_ErrorIsJsonOnStdout()
    {
        using var dir = new TempDirectory();
        var port = KoiProcess.FreeTcpPort();

        var run = await KoiProcess.RunAsync(Koi, ["status", "--json", "--data-dir", dir.Path, "--endpoint", $"http://127.0.0.1:{port}"]);

        Assert.Equal(3, run.ExitCode);
        var doc = JsonDocument.Parse(run.Stdout).RootElement;
        Assert.Equal("daemon_unreachable", doc.GetProperty("error").GetString());
    }

    [Fact]
    public async Task Daemon_Running_StatusFindsItThroughBreadcrumb()
    {
        await using var daemon = await LocalDaemon.StartAsync(Koi);

        var run = await KoiProcess.RunAsync(Koi, ["status", "--json", "--data-dir", daemon.DataDir]);

        Assert.Equal(0, run.ExitCode);
        var doc = JsonDocument.Parse(run.Stdout).RootElement;
        Assert.Equal(daemon.Process.Pid, doc.GetProperty("pid").GetInt32());
        var http = doc.GetProperty("components").EnumerateArray().Single(c => c.GetProperty("name").GetString() == "core/http_api");
        Assert.Equal("running", http.GetProperty("state").GetString());
        var mdns = doc.GetProperty("capabilities").EnumerateArray().Single(c => c.GetProperty("name").GetString() == "mdns");
        Assert.StartsWith("disabled", mdns.GetProperty("state").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Daemon_Breadcrumb_HoldsEndpointAndTokenWithMode0600()
    {
        await using var daemon = await LocalDaemon.StartAsync(Koi);
        var path = Path.Combine(daemon.DataDir, "daemon.json");

        var crumb = JsonDocument.Parse(await File.ReadAllTextAsync(path, TestContext.Current.CancellationToken)).RootElement;

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        Assert.Equal($"http://127.0.0.1:{daemon.Port}", crumb.GetProperty("endpoint").GetString()!.TrimEnd('/'));
        Assert.Equal(64, crumb.GetProperty("token").GetString()!.Length);
    }

    [Fact]
    public async Task Daemon_SecondOnSameDataDir_ExitsOneAndFirstKeepsRunning()
    {
        await using var first = await LocalDaemon.StartAsync(Koi);
        var port = KoiProcess.FreeTcpPort();

        var second = await KoiProcess.RunAsync(Koi, ["daemon", "--no-mdns", "--http-port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--data-dir", first.DataDir]);

        Assert.Equal(1, second.ExitCode);
        Assert.Contains("already", second.Stderr, StringComparison.OrdinalIgnoreCase);
        Assert.False(first.Process.HasExited);
        Assert.Equal(first.Process.Pid, (await first.GetJsonAsync("/v1/status")).GetProperty("pid").GetInt32());
    }

    [Fact]
    public async Task Daemon_PortTaken_ExitsOneWithReason()
    {
        await using var first = await LocalDaemon.StartAsync(Koi);
        using var other = new TempDirectory();

        var second = await KoiProcess.RunAsync(Koi, ["daemon", "--no-mdns", "--http-port", first.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--data-dir", other.Path]);

        Assert.Equal(1, second.ExitCode);
        Assert.Contains(first.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), second.Stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(other.Path, "daemon.json")));
    }

    [Fact]
    public async Task Daemon_Sigterm_ExitsZeroAndRemovesBreadcrumb()
    {
        var daemon = await LocalDaemon.StartAsync(Koi);
        await using (daemon)
        {
            daemon.Process.Terminate();

            Assert.Equal(0, await daemon.Process.WaitForExitAsync(TimeSpan.FromSeconds(10)));
            Assert.False(File.Exists(Path.Combine(daemon.DataDir, "daemon.json")));
        }
    }

    [Fact]
    public async Task Ceremony_NonInteractiveMissingAnswers_ExitsTwoNamingThem()
    {
        await using var daemon = await LocalDaemon.StartAsync(Koi);

        var run = await KoiProcess.RunAsync(Koi, ["ceremony", "demo", "--data-dir", daemon.DataDir, "--set", "name=Ada"]);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("secret", run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ceremony_AllAnswersGiven_CompletesWithResult()
    {
        await using var daemon = await LocalDaemon.StartAsync(Koi);

        var run = await KoiProcess.RunAsync(Koi, ["ceremony", "demo", "--json", "--data-dir", daemon.DataDir, "--set", "name=Ada", "--set", "colour=blue", "--set", "secret=hunter222"]);

        Assert.Equal(0, run.ExitCode);
        Assert.Contains("Ada", run.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter222", run.Stdout + run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Mutation_WrongToken_Exits1BeforeSendingIt()
    {
        await using var daemon = await LocalDaemon.StartAsync(Koi);

        var run = await KoiProcess.RunAsync(Koi, ["ceremony", "demo", "--json", "--endpoint", daemon.Endpoint.ToString(), "--token", "not-the-token", "--set", "name=Ada"]);

        // The daemon cannot prove it holds a token it never had, so the CLI stops before sending it (docs/security.md).
        Assert.Equal(1, run.ExitCode);
        Assert.Equal("daemon_unproven", JsonDocument.Parse(run.Stdout).RootElement.GetProperty("error").GetString());
    }
}
