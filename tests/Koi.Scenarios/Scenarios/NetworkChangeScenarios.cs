using System.Diagnostics;
using System.Text.Json;
using Koi.Scenarios.Fixtures;
using Koi.Scenarios.Harness;

namespace Koi.Scenarios.Scenarios;

/// <summary>
/// A running koi whose address or link changes under it (docs/mdns.md, "Network changes"): peers see the change
/// within seconds and koi recovers from a link that went down, without a restart.
/// </summary>
public sealed class NetworkChangeScenarios(NetworkChangeFixture fixture) : LabScenarios<NetworkChangeFixture>(fixture)
{
    private const string Added = "10.77.0.99";
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);

    [Fact(Timeout = 180_000)]
    public async Task AddressAddedThenRemoved_ZeroconfObserverAndKoiDnsFollowWithin10s()
    {
        var original = Lab.AddressOf(NetworkChangeFixture.Koi);
        var watch = await Lab.StartBackgroundAsync(
            NetworkChangeFixture.Observer, "host-watch", ["/usr/bin/python3", RepoPaths.ZeroconfHostWatch, "stone-b.local", "--seconds", "150"], Ct);
        await Poll.UntilAsync(() => Task.FromResult(LastSeen(watch) is [var only] && only == original), Deadline, "the observer to see stone-b.local", Ct);

        (await Lab.RunAsync(NetworkChangeFixture.Koi, ["ip", "addr", "add", Added + "/24", "dev", "eth0"], Ct)).EnsureSuccess();
        using var cleanup = new AddressCleanup(Lab);
        var added = Stopwatch.StartNew();
        await Poll.UntilAsync(() => Task.FromResult(LastSeen(watch)?.Contains(Added) == true), Deadline, $"the observer to see {Added}", Ct);
        var seenAfter = added.Elapsed;
        await Poll.UntilAsync(async () => (await DigAsync()).Contains(Added), Deadline, $"koi DNS on stone-a to answer {Added}", Ct);
        var dnsAfter = added.Elapsed;

        (await Lab.RunAsync(NetworkChangeFixture.Koi, ["ip", "addr", "del", Added + "/24", "dev", "eth0"], Ct)).EnsureSuccess();
        var removed = Stopwatch.StartNew();
        await Poll.UntilAsync(() => Task.FromResult(LastSeen(watch) is [var left] && left == original), Deadline, $"the observer to drop {Added}", Ct);
        var goneAfter = removed.Elapsed;
        await Poll.UntilAsync(async () => !(await DigAsync()).Contains(Added), Deadline, $"koi DNS on stone-a to stop answering {Added}", Ct);

        // avahi on the observer, too, resolves the name to the address that is left (it keeps a goodbye's record 1 s).
        await Poll.UntilAsync(
            async () => (await Lab.RunAsync(NetworkChangeFixture.Observer, ["avahi-resolve", "-4", "-n", "stone-b.local"], Ct)).Stdout.Contains(original, StringComparison.Ordinal),
            Deadline,
            "avahi on the observer to resolve stone-b.local to the address left",
            Ct);
        var avahiAfter = removed.Elapsed;
        Assert.InRange(seenAfter, TimeSpan.Zero, Deadline);
        Assert.InRange(dnsAfter, TimeSpan.Zero, Deadline);
        Assert.InRange(goneAfter, TimeSpan.Zero, Deadline);
        Assert.InRange(avahiAfter, TimeSpan.Zero, Deadline);
        TestContext.Current.TestOutputHelper?.WriteLine($"added seen after {seenAfter.TotalSeconds:0.0} s (DNS {dnsAfter.TotalSeconds:0.0} s), removal seen after {goneAfter.TotalSeconds:0.0} s (avahi {avahiAfter.TotalSeconds:0.0} s)");
    }

    [Fact(Timeout = 180_000)]
    public async Task LinkDownThenUp_EngineFailedWhileDownThenRunningAndAnnouncingWithoutRestart()
    {
        var daemonPid = await DaemonPidAsync();
        // The watch looks when netlink reports a change, and otherwise only every 30 s: the reactions below come from
        // the reports.
        Assert.Equal(
            ("running", "interfaces checked when the system reports a network change, and every 30 s"),
            await ComponentAsync("mdns/interface-watch"));
        string? reason;
        TimeSpan failedAfter;
        TimeSpan runningAfter;
        try
        {
            (await Lab.RunAsync(NetworkChangeFixture.Koi, ["ip", "link", "set", "eth0", "down"], Ct)).EnsureSuccess();
            var down = Stopwatch.StartNew();
            await Poll.UntilAsync(async () => await EngineAsync() is ("failed", _), Deadline, "mdns/engine to show failed", Ct);
            failedAfter = down.Elapsed;
            (_, reason) = await EngineAsync();

            (await Lab.RunAsync(NetworkChangeFixture.Koi, ["ip", "link", "set", "eth0", "up"], Ct)).EnsureSuccess();
            var up = Stopwatch.StartNew();
            await Poll.UntilAsync(async () => await EngineAsync() is ("running", _), Deadline, "mdns/engine to run again", Ct);
            runningAfter = up.Elapsed;
        }
        finally
        {
            // Link down drops the lab's multicast route and global IPv6 address; put the host back as the lab made it.
            await Lab.RunAsync(
                NetworkChangeFixture.Koi,
                ["sh", "-c", "ip link set eth0 up; ip route replace 224.0.0.0/4 dev eth0; ip -6 addr replace fd77::12/64 dev eth0 nodad"],
                CancellationToken.None);
        }

        (await KoiDaemon.CliAsync(Lab, NetworkChangeFixture.Koi, Ct, "mdns", "announce", "After Up", "_afterup._tcp", "7300", "--detach")).EnsureSuccess();
        await Lab.RunUntilSuccessAsync(
            NetworkChangeFixture.Observer, ["sh", "-c", "avahi-browse -t -p _afterup._tcp | grep -q 'After\\\\032Up'"], Deadline, Ct);

        Assert.Contains("no mDNS socket is open", reason, StringComparison.Ordinal);
        Assert.InRange(runningAfter, TimeSpan.Zero, Deadline);
        Assert.Equal(daemonPid, await DaemonPidAsync());
        TestContext.Current.TestOutputHelper?.WriteLine($"engine failed {failedAfter.TotalSeconds:0.0} s after link down, running again {runningAfter.TotalSeconds:0.0} s after link up");
    }

    /// <summary>Takes the added address away again if the scenario ended before it did.</summary>
    private sealed class AddressCleanup(Lab lab) : IDisposable
    {
        public void Dispose() =>
            lab.RunAsync(NetworkChangeFixture.Koi, ["sh", "-c", $"ip addr del {Added}/24 dev eth0 2>/dev/null; true"], CancellationToken.None).GetAwaiter().GetResult();
    }

    /// <summary>The addresses in the host watch's last line; null before its first.</summary>
    private static string[]? LastSeen(LabProcess watch)
    {
        var last = watch.ReadLog().Split('\n', StringSplitOptions.RemoveEmptyEntries).LastOrDefault(l => l.StartsWith('{'));
        if (last is null)
        {
            return null;
        }

        using var json = JsonDocument.Parse(last);
        return [.. json.RootElement.GetProperty("addresses").EnumerateArray().Select(a => a.GetString()!)];
    }

    private async Task<string> DigAsync()
    {
        var dig = await Lab.RunAsync(NetworkChangeFixture.Observer, ["dig", "+short", "@" + Lab.AddressOf(NetworkChangeFixture.Resolver), "stone-b.lan", "A"], Ct);
        return dig.Stdout;
    }

    private Task<(string? State, string? Reason)> EngineAsync() => ComponentAsync("mdns/engine");

    private async Task<(string? State, string? Reason)> ComponentAsync(string name)
    {
        var status = await KoiDaemon.CliAsync(Lab, NetworkChangeFixture.Koi, Ct, "status", "--json");
        if (!status.Succeeded)
        {
            return (null, null);
        }

        using var json = JsonDocument.Parse(status.Stdout);
        foreach (var capability in json.RootElement.GetProperty("capabilities").EnumerateArray())
        {
            foreach (var entry in capability.GetProperty("components").EnumerateArray())
            {
                if (entry.GetProperty("name").GetString() == name)
                {
                    return (entry.GetProperty("state").GetString(), entry.TryGetProperty("reason", out var r) ? r.GetString() : null);
                }
            }
        }

        return (null, null);
    }

    private async Task<int> DaemonPidAsync()
    {
        var status = await KoiDaemon.CliAsync(Lab, NetworkChangeFixture.Koi, Ct, "status", "--json");
        using var json = JsonDocument.Parse(status.EnsureSuccess().Stdout);
        return json.RootElement.GetProperty("pid").GetInt32();
    }
}
