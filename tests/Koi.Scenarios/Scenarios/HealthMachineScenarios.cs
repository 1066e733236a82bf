using System.Diagnostics;
using System.Text.Json;
using Koi.Scenarios.Fixtures;
using Koi.Scenarios.Harness;

namespace Koi.Scenarios.Scenarios;

/// <summary>Machine health for free: a machine whose koi daemon stops goes down after the threshold (60 s).</summary>
public sealed class HealthMachineScenarios(HealthFixture fixture) : LabScenarios<HealthFixture>(fixture)
{
    [Fact(Timeout = 180_000)]
    public async Task KoiDaemonStops_MachineDownAfterThreshold_WithOneLogLine()
    {
        await WaitForMachineAsync("up", TimeSpan.FromSeconds(30));
        var daemon = Lab.Started.Single(p => p.Host == HealthFixture.Target && p.Name == "koi" && p.IsRunning);

        await Lab.StopAsync(daemon, Ct);
        var stopped = Stopwatch.StartNew();
        await WaitForMachineAsync("down", TimeSpan.FromSeconds(120));

        Assert.InRange(stopped.Elapsed.TotalSeconds, 55, 80);
        var log = (await Lab.RunAsync(HealthFixture.Watcher, ["cat", $"{KoiDaemon.DataDir}/logs/health.log"], Ct)).EnsureSuccess().Stdout;
        var line = Assert.Single(log.Split('\n'), l => l.Contains($"| {HealthFixture.Target} ", StringComparison.Ordinal) && l.Contains("→ down", StringComparison.Ordinal));
        Assert.Contains("not seen for 60s", line, StringComparison.Ordinal);
    }

    private async Task WaitForMachineAsync(string state, TimeSpan timeout) =>
        await Poll.UntilAsync(
            async () =>
            {
                var status = JsonDocument.Parse((await KoiDaemon.CliAsync(Lab, HealthFixture.Watcher, Ct, "health", "status", "--json")).EnsureSuccess().Stdout).RootElement;
                return status.GetProperty("machines").EnumerateArray().Any(m =>
                    m.GetProperty("name").GetString() == HealthFixture.Target && m.GetProperty("state").GetString() == state);
            },
            timeout,
            $"{HealthFixture.Target} to be {state} on {HealthFixture.Watcher}",
            Ct);
}
