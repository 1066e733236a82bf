using System.Text.Json;
using Koi.Scenarios.Fixtures;
using Koi.Scenarios.Harness;

namespace Koi.Scenarios.Scenarios;

/// <summary>Name conflicts between koi hosts and leases that lapse: behaviour over tens of seconds.</summary>
public sealed class MdnsLifecycleScenarios(MdnsFixture fixture) : LabScenarios<MdnsFixture>(fixture)
{
    [Fact(Timeout = 120_000)]
    public async Task SameInstanceOnTwoKoiHosts_EndDistinct_AndStayStableFor30s()
    {
        await Task.WhenAll(
            KoiDaemon.CliAsync(Lab, "stone-a", Ct, "mdns", "announce", "Twin", "_twin._tcp", "7001", "--detach"),
            KoiDaemon.CliAsync(Lab, "stone-b", Ct, "mdns", "announce", "Twin", "_twin._tcp", "7002", "--detach"));

        var first = await TwinNamesAsync();
        Assert.Equal(2, first.Distinct().Count());
        Assert.Contains("Twin", first);
        Assert.Contains("Twin (2)", first);
        for (var sample = 0; sample < 6; sample++)
        {
            await Task.Delay(TimeSpan.FromSeconds(5), Ct);
            Assert.Equal(first, await TwinNamesAsync());
        }

        var browse = await Lab.RunAsync(MdnsFixture.Observer, ["avahi-browse", "-t", "-r", "-p", "_twin._tcp"], Ct);
        var instances = AvahiLine.Parse(browse.Stdout).Where(l => l.Event == '=' && l.Protocol == "IPv4").Select(l => (l.Instance, l.Port)).Distinct().ToList();
        Assert.Equal(2, instances.Count);
    }

    [Fact(Timeout = 120_000)]
    public async Task LeaseNotRenewed_ServiceWithdrawnAfterLeaseAndGrace()
    {
        var body = """{"name":"Short Lease","type":"_lease._tcp","port":7100,"lease_secs":10}""";
        var post = await Lab.RunAsync(
            "stone-a",
            ["sh", "-c", $"T=$(python3 -c 'import json;print(json.load(open(\"{KoiDaemon.DataDir}/daemon.json\"))[\"token\"])'); curl -sf -H \"x-koi-token: $T\" -H 'content-type: application/json' -d '{body}' http://127.0.0.1:{KoiDaemon.HttpPort}/v1/mdns/announce"],
            Ct);
        Assert.Equal(10, JsonDocument.Parse(post.EnsureSuccess().Stdout).RootElement.GetProperty("lease_secs").GetInt32());
        var announced = DateTime.UtcNow;

        await Lab.RunUntilSuccessAsync(MdnsFixture.Observer, ["sh", "-c", "avahi-browse -t -p _lease._tcp | grep -q 'Short\\\\032Lease'"], TimeSpan.FromSeconds(15), Ct);
        await Poll.UntilAsync(
            async () => !(await Lab.RunAsync(MdnsFixture.Observer, ["sh", "-c", "avahi-browse -t -p _lease._tcp | grep -q 'Short\\\\032Lease'"], Ct)).Succeeded,
            TimeSpan.FromSeconds(70),
            "the lapsed lease to be withdrawn",
            Ct);

        // Lease (10 s) plus grace (30 s): not earlier, and not much later.
        var gone = DateTime.UtcNow - announced;
        Assert.InRange(gone.TotalSeconds, 38, 55);
    }

    private async Task<string[]> TwinNamesAsync()
    {
        var names = new List<string>();
        foreach (var host in new[] { "stone-a", "stone-b" })
        {
            var status = await KoiDaemon.CliAsync(Lab, host, Ct, "mdns", "status", "--json");
            names.AddRange(JsonDocument.Parse(status.EnsureSuccess().Stdout).RootElement.GetProperty("registrations").EnumerateArray()
                .Where(r => r.GetProperty("type").GetString()!.StartsWith("_twin._tcp", StringComparison.Ordinal))
                .Select(r => r.GetProperty("name").GetString()!));
        }

        return [.. names];
    }
}
