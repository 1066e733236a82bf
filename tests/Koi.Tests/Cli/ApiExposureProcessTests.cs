using System.Diagnostics;
using System.Text.Json;

namespace Koi.Tests.Cli;

/// <summary>
/// The real daemon's management API against what a web page in the user's browser can do: reach 127.0.0.1 through a
/// DNS name it rebinds, without the token. curl plays the browser.
/// </summary>
public sealed class ApiExposureProcessTests
{
    private static readonly string Koi = KoiProcess.BuiltBinary;

    [Fact]
    public async Task Curl_RebindingHostHeaderWithoutToken_RefusedAndNothingLeaks()
    {
        await using var daemon = await LocalDaemon.StartAsync(Koi);

        foreach (var path in new[] { "/v1/status", "/v1/certmesh/roster", "/v1/certmesh/log", "/v1/certmesh/pending", "/v1/events" })
        {
            var (code, body) = await CurlAsync("-H", $"Host: rebind.attacker.example:{daemon.Port}", $"{daemon.Endpoint}{path.TrimStart('/')}");

            Assert.True(code is "401" or "403", $"{path} answered {code}: {body}");
            Assert.DoesNotContain("data_dir", body, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Curl_LoopbackReadWithoutToken_Unauthorized()
    {
        await using var daemon = await LocalDaemon.StartAsync(Koi);

        var (code, body) = await CurlAsync($"{daemon.Endpoint}v1/status");

        Assert.Equal("401", code);
        Assert.Equal("unauthorized", JsonDocument.Parse(body).RootElement.GetProperty("error").GetString());
    }

    [Fact]
    public async Task Curl_RebindingHostHeaderWithToken_Forbidden()
    {
        await using var daemon = await LocalDaemon.StartAsync(Koi);

        var (code, _) = await CurlAsync("-H", $"x-koi-token: {daemon.Token}", "-H", $"Host: rebind.attacker.example:{daemon.Port}", $"{daemon.Endpoint}v1/status");
        var (local, _) = await CurlAsync("-H", $"x-koi-token: {daemon.Token}", $"{daemon.Endpoint}v1/status");
        var (health, _) = await CurlAsync("-H", $"Host: rebind.attacker.example:{daemon.Port}", $"{daemon.Endpoint}healthz");

        Assert.Equal("403", code);
        Assert.Equal("200", local);
        Assert.Equal("200", health);
    }

    [Fact]
    public async Task Cli_ReadCommands_StillWorkWithTheBreadcrumbToken()
    {
        await using var daemon = await LocalDaemon.StartAsync(Koi);

        foreach (var command in new[] { new[] { "status" }, ["certmesh", "status"], ["dns", "list"], ["health", "status"], ["proxy", "list"], ["dns", "status"] })
        {
            var run = await KoiProcess.RunAsync(Koi, [.. command, "--json", "--data-dir", daemon.DataDir]);

            Assert.True(run.ExitCode == 0, $"koi {string.Join(' ', command)} exited {run.ExitCode}: {run.Stderr}{run.Stdout}");
        }
    }

    [Fact]
    public async Task Cli_HealthWatchEventStream_StaysSubscribed()
    {
        await using var daemon = await LocalDaemon.StartAsync(Koi);
        await using var watch = KoiProcess.Start(Koi, ["health", "watch", "--json", "--data-dir", daemon.DataDir]);

        await Task.Delay(TimeSpan.FromSeconds(3), TestContext.Current.CancellationToken);

        Assert.False(watch.HasExited, $"koi health watch stopped: {watch.Stderr}{watch.Stdout}");
        Assert.Equal("", watch.Stderr);
    }

    private static async Task<(string Code, string Body)> CurlAsync(params string[] args)
    {
        using var process = Process.Start(new ProcessStartInfo("curl", ["-s", "--max-time", "5", "-w", "\n%{http_code}", .. args]) { RedirectStandardOutput = true })!;
        var output = await process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        await process.WaitForExitAsync(TestContext.Current.CancellationToken);
        var split = output.LastIndexOf('\n');
        return (output[(split + 1)..].Trim(), output[..Math.Max(split, 0)]);
    }
}
