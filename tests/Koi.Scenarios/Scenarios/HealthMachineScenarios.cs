using System.Diagnostics;
using System.Text.Json;
using Koi.Scenarios.Fixtures;
using Koi.Scenarios.Harness;

namespace Koi.Scenarios.Scenarios;

/// <summary>
/// Machine health for free: a machine whose koi daemon stops goes down after the threshold (60 s); one that vanishes
/// without a goodbye is reconfirmed with a direct mDNS query at 60 s and down about ten seconds later.
/// </summary>
public sealed class HealthMachineScenarios(HealthFixture fixture) : LabScenarios<HealthFixture>(fixture)
{
    [Fact(Timeout = 180_000)]
    public async Task KoiDaemonStops_MachineDownAfterThreshold_WithOneLogLine()
    {
        var daemon = await TargetDaemonAsync();

        await Lab.StopAsync(daemon, Ct);
        var stoppedAt = DateTimeOffset.UtcNow;
        var stopped = Stopwatch.StartNew();
        await WaitForMachineAsync("down", TimeSpan.FromSeconds(120));

        // The threshold runs from when mDNS last heard the machine, which can be some seconds before its daemon
        // stopped (records arrive when they are refreshed, not continuously): down comes 60 s after that sighting,
        // a presence sweep (2 s) or so later, and never more than 80 s after the stop.
        var machine = await MachineAsync();
        var lastSeen = machine.GetProperty("last_seen").GetDateTimeOffset();
        var downSince = machine.GetProperty("since").GetDateTimeOffset();
        Assert.True(lastSeen <= stoppedAt.AddSeconds(1), $"seen at {lastSeen:O}, after its daemon stopped at {stoppedAt:O}");
        Assert.InRange((downSince - lastSeen).TotalSeconds, 60, 70);
        Assert.True(stopped.Elapsed.TotalSeconds <= 80, $"down {stopped.Elapsed.TotalSeconds:0}s after the stop");
        var log = (await Lab.RunAsync(HealthFixture.Watcher, ["cat", $"{KoiDaemon.DataDir}/logs/health.log"], Ct)).EnsureSuccess().Stdout;
        // Lines from before this stop (another scenario of this class may have taken the target down) do not count.
        var since = stoppedAt.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture);
        var line = Assert.Single(log.Split('\n'), l => l.Contains($"| {HealthFixture.Target} ", StringComparison.Ordinal) && l.Contains("→ down", StringComparison.Ordinal)
            && string.CompareOrdinal(l, 0, since, 0, since.Length) >= 0);
        Assert.Contains("not seen for 60s", line, StringComparison.Ordinal);
    }

    [Fact(Timeout = 240_000)]
    public async Task KoiDaemonKilled_NoGoodbye_ReconfirmedAtSixtySecondsDownWithinSeventyFive()
    {
        var daemon = await TargetDaemonAsync();

        // SIGKILL: no goodbye, the target's records stay in the watcher's cache with their TTL (120 s).
        System.Diagnostics.Process.GetProcessById(daemon.Pid).Kill();
        var killedAt = DateTimeOffset.UtcNow;
        var killed = Stopwatch.StartNew();
        await Lab.StopAsync(daemon, Ct);
        await WaitForMachineAsync("down", TimeSpan.FromSeconds(120));

        var machine = await MachineAsync();
        var lastSeen = machine.GetProperty("last_seen").GetDateTimeOffset();
        var downSince = machine.GetProperty("since").GetDateTimeOffset();
        Assert.True(lastSeen <= killedAt.AddSeconds(1), $"seen at {lastSeen:O}, after its daemon was killed at {killedAt:O}");
        Assert.InRange((downSince - lastSeen).TotalSeconds, 60, 75);
        Assert.True(killed.Elapsed.TotalSeconds <= 80, $"down {killed.Elapsed.TotalSeconds:0}s after the kill");
    }

    /// <summary>The target's koi daemon, started again if an earlier scenario stopped it, once the watcher sees it up.</summary>
    private async Task<LabProcess> TargetDaemonAsync()
    {
        var daemon = Lab.Started.FirstOrDefault(p => p.Host == HealthFixture.Target && p.Name == "koi" && p.IsRunning)
            ?? await KoiDaemon.StartAsync(Lab, HealthFixture.Target, Ct);
        await WaitForMachineAsync("up", TimeSpan.FromSeconds(90));
        return daemon;
    }

    private async Task WaitForMachineAsync(string state, TimeSpan timeout) =>
        await Poll.UntilAsync(
            async () => (await MachineAsync()) is { ValueKind: JsonValueKind.Object } m && m.GetProperty("state").GetString() == state,
            timeout,
            $"{HealthFixture.Target} to be {state} on {HealthFixture.Watcher}",
            Ct);

    /// <summary>The target as the watcher's health status shows it (undefined while it is not listed).</summary>
    private async Task<JsonElement> MachineAsync()
    {
        var status = JsonDocument.Parse((await KoiDaemon.CliAsync(Lab, HealthFixture.Watcher, Ct, "health", "status", "--json")).EnsureSuccess().Stdout).RootElement;
        return status.GetProperty("machines").EnumerateArray().FirstOrDefault(m => m.GetProperty("name").GetString() == HealthFixture.Target);
    }
}
