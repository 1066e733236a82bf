using System.Diagnostics;
using System.Text.Json;
using Koi.Scenarios.Fixtures;
using Koi.Scenarios.Harness;

namespace Koi.Scenarios.Scenarios;

/// <summary>koi's mDNS / DNS-SD with avahi, python-zeroconf and dig on other hosts (and avahi on the same host).</summary>
public sealed class MdnsInteropScenarios(MdnsFixture fixture) : LabScenarios<MdnsFixture>(fixture)
{
    private static readonly TimeSpan s_converge = TimeSpan.FromSeconds(15);

    [Fact(Timeout = 90_000)]
    public async Task KoiAnnounce_AvahiObserverSeesHostAddressPortTxt_AndLosesItWithin2sOfUnregister()
    {
        var watch = await Lab.StartBackgroundAsync(MdnsFixture.Observer, "browse-labweb", ["stdbuf", "-oL", "avahi-browse", "-p", "-r", "_labweb._tcp"], Ct);
        var announce = await KoiDaemon.CliAsync(Lab, "stone-a", Ct, "mdns", "announce", "Lab Web", "_labweb._tcp", "8080", "--txt", "path=/x", "--detach", "--json");
        var id = JsonDocument.Parse(announce.EnsureSuccess().Stdout).RootElement.GetProperty("id").GetString()!;

        AvahiLine? seen = null;
        await Poll.UntilAsync(
            () => Task.FromResult((seen = AvahiLine.Parse(watch.ReadLog()).FirstOrDefault(l => l.Event == '=' && l.Instance == "Lab Web" && l.Protocol == "IPv4")) is not null),
            s_converge,
            "avahi-browse on the observer to resolve Lab Web",
            Ct);
        Assert.Equal("stone-a.local", seen!.Host);
        Assert.Equal(Lab.AddressOf("stone-a"), seen.Address);
        Assert.Equal(8080, seen.Port);
        Assert.Contains("\"path=/x\"", seen.Txt, StringComparison.Ordinal);

        (await KoiDaemon.CliAsync(Lab, "stone-a", Ct, "mdns", "unregister", id)).EnsureSuccess();
        var sinceUnregister = Stopwatch.StartNew();
        await Poll.UntilAsync(
            () => Task.FromResult(AvahiLine.Parse(watch.ReadLog()).Any(l => l.Event == '-' && l.Instance == "Lab Web")),
            TimeSpan.FromSeconds(10),
            "avahi-browse to report Lab Web removed",
            Ct);
        Assert.True(sinceUnregister.Elapsed < TimeSpan.FromSeconds(2), $"removed after {sinceUnregister.Elapsed.TotalSeconds:0.00} s");
    }

    [Fact(Timeout = 60_000)]
    public async Task KoiDaemon_AnnouncesItselfAsKoiTcp_VisibleToAvahi()
    {
        var browse = await Lab.RunUntilSuccessAsync(
            MdnsFixture.Observer,
            ["sh", "-c", "avahi-browse -t -r -p _koi._tcp | grep '^=' | grep -F 'stone-a.local'"],
            s_converge,
            Ct);

        var line = AvahiLine.Parse(browse.Stdout).First(l => l.Host == "stone-a.local");
        Assert.Equal(KoiDaemon.HttpPort, line.Port);
        Assert.Contains($"\"api_port={KoiDaemon.HttpPort}\"", line.Txt, StringComparison.Ordinal);
        Assert.Contains("\"version=", line.Txt, StringComparison.Ordinal);
    }

    [Fact(Timeout = 60_000)]
    public async Task KoiDiscover_ServicePublishedByAvahi_ResolvedWithAddressPortTxt()
    {
        var service = await DiscoverAsync("stone-b", MdnsFixture.AvahiType, MdnsFixture.AvahiInstance);

        Assert.Equal(MdnsFixture.AvahiPort, service.GetProperty("port").GetInt32());
        Assert.Equal("beacon.local", service.GetProperty("host").GetString());
        Assert.Contains(Lab.AddressOf(MdnsFixture.Beacon), service.GetProperty("addresses").EnumerateArray().Select(a => a.GetString()));
        Assert.Equal("lab", service.GetProperty("txt").GetProperty("purpose").GetString());
    }

    [Fact(Timeout = 60_000)]
    public async Task KoiDiscover_ServicePublishedByPythonZeroconf_Resolved()
    {
        var service = await DiscoverAsync("stone-a", MdnsFixture.ZeroconfType, MdnsFixture.ZeroconfInstance);

        Assert.Equal(MdnsFixture.ZeroconfPort, service.GetProperty("port").GetInt32());
        Assert.Contains(Lab.AddressOf(MdnsFixture.Zeroconf), service.GetProperty("addresses").EnumerateArray().Select(a => a.GetString()));
        Assert.Equal("zeroconf", service.GetProperty("txt").GetProperty("kind").GetString());
    }

    [Fact(Timeout = 60_000)]
    public async Task KoiResolve_InstancePublishedByAvahi_PrintsHostAndPort()
    {
        var resolved = await Lab.RunUntilSuccessAsync(
            "stone-b",
            ["env", $"KOI_DATA_DIR={KoiDaemon.DataDir}", KoiDaemon.Binary, "mdns", "resolve", $"{MdnsFixture.AvahiInstance}.{MdnsFixture.AvahiType}", "--json"],
            s_converge,
            Ct);

        var service = JsonDocument.Parse(resolved.Stdout).RootElement;
        Assert.Equal(MdnsFixture.AvahiPort, service.GetProperty("port").GetInt32());
        Assert.Equal("beacon.local", service.GetProperty("host").GetString());
    }

    [Fact(Timeout = 60_000)]
    public async Task KoiDiscover_WithoutDaemon_RunsItsOwnEngine()
    {
        // The zeroconf host runs no koi daemon: the CLI must discover on its own.
        var run = await Lab.RunAsync(
            MdnsFixture.Zeroconf,
            [KoiDaemon.Binary, "mdns", "discover", MdnsFixture.AvahiType, "--timeout", "6", "--json", "--data-dir", "/tmp/koi-no-daemon"],
            TimeSpan.FromSeconds(20),
            Ct);

        var names = Lines(run.EnsureSuccess().Stdout).Select(l => l.GetProperty("name").GetString());
        Assert.Contains(MdnsFixture.AvahiInstance, names);
    }

    [Fact(Timeout = 60_000)]
    public async Task KoiAnnounce_WithoutDaemon_OwnResponderUntilStopped_ThenGoodbye()
    {
        // The zeroconf host runs no koi daemon: the CLI announces with an engine of its own while it runs.
        var watch = await Lab.StartBackgroundAsync(MdnsFixture.Observer, "browse-solo", ["stdbuf", "-oL", "avahi-browse", "-p", "-r", "_solo._tcp"], Ct);
        var announcer = await Lab.StartBackgroundAsync(
            MdnsFixture.Zeroconf, "announce-solo", [KoiDaemon.Binary, "mdns", "announce", "Solo", "_solo._tcp", "7300", "--data-dir", "/tmp/koi-no-daemon"], Ct);

        await Poll.UntilAsync(
            () => Task.FromResult(AvahiLine.Parse(watch.ReadLog()).Any(l => l.Event == '=' && l.Instance == "Solo" && l.Port == 7300)),
            s_converge,
            "avahi-browse to resolve the CLI's own announcement",
            Ct);
        await Lab.StopAsync(announcer, Ct);
        await Poll.UntilAsync(
            () => Task.FromResult(AvahiLine.Parse(watch.ReadLog()).Any(l => l.Event == '-' && l.Instance == "Solo")),
            TimeSpan.FromSeconds(5),
            "avahi-browse to see the goodbye after the CLI stopped",
            Ct);
        Assert.Contains("withdrawn", announcer.ReadLog(), StringComparison.Ordinal);
    }

    [Fact(Timeout = 60_000)]
    public async Task LegacyDiscoverCommand_StillWorks_AndSaysItIsDeprecated()
    {
        var run = await KoiDaemon.CliAsync(Lab, "stone-b", Ct, "discover", MdnsFixture.AvahiType, "--timeout", "4", "--json");

        Assert.Contains("deprecated", run.EnsureSuccess().Stderr, StringComparison.Ordinal);
        Assert.Contains(MdnsFixture.AvahiInstance, Lines(run.Stdout).Select(l => l.GetProperty("name").GetString()));
    }

    [Theory(Timeout = 60_000)]
    [InlineData("http", "80", "must have the form _name._tcp")]
    [InlineData("_http._tcp", "70000", "port")]
    [InlineData("_waytoolongservicename._tcp", "80", "15")]
    public async Task Announce_BadInput_ExitsTwoNamingTheRule_AndAnnouncesNothing(string type, string port, string rule)
    {
        var run = await KoiDaemon.CliAsync(Lab, "stone-a", Ct, "mdns", "announce", "Bad Input", type, port, "--detach");

        Assert.Equal(2, run.ExitCode);
        Assert.Contains(rule, run.Stderr, StringComparison.Ordinal);
        var status = await KoiDaemon.CliAsync(Lab, "stone-a", Ct, "mdns", "status", "--json");
        Assert.DoesNotContain("Bad Input", status.EnsureSuccess().Stdout, StringComparison.Ordinal);
    }

    [Fact(Timeout = 60_000)]
    public async Task LegacyUnicastQuery_DigToPort5353_AnsweredByKoi()
    {
        var dig = await Lab.RunUntilSuccessAsync(
            MdnsFixture.Observer,
            ["sh", "-c", $"dig +short +time=2 +tries=1 -p 5353 @{Lab.AddressOf("stone-a")} stone-a.local A | grep -Fx {Lab.AddressOf("stone-a")}"],
            s_converge,
            Ct);

        Assert.Equal(Lab.AddressOf("stone-a"), dig.Stdout.Trim());
    }

    [Fact(Timeout = 90_000)]
    public async Task KoiAndAvahi_OnOneHost_BothAnnounceAndBothAreSeen()
    {
        var host = MdnsFixture.Coexist;
        await Lab.StartBackgroundAsync(host, "publish-coex", ["avahi-publish", "-s", "Coexist Avahi", "_coex._tcp", "5555"], Ct);
        (await KoiDaemon.CliAsync(Lab, host, Ct, "mdns", "announce", "Coexist Koi", "_coex._tcp", "5556", "--detach")).EnsureSuccess();

        foreach (var browser in new[] { MdnsFixture.Observer, host })
        {
            await Lab.RunUntilSuccessAsync(
                browser,
                // printf, not echo: dash's echo would turn avahi's \032 escapes into control characters.
                ["sh", "-c", "out=$(avahi-browse -t -r -p _coex._tcp); printf '%s\\n' \"$out\" | grep -q '^=.*Coexist\\\\032Koi;.*;5556;' && printf '%s\\n' \"$out\" | grep -q '^=.*Coexist\\\\032Avahi;.*;5555;'"],
                s_converge,
                Ct);
        }

        var seenByKoi = await DiscoverAllAsync("stone-a", "_coex._tcp", ["Coexist Koi", "Coexist Avahi"]);
        Assert.Equal(2, seenByKoi.Count);
    }

    private async Task<JsonElement> DiscoverAsync(string host, string type, string instance) =>
        (await DiscoverAllAsync(host, type, [instance]))[0];

    private async Task<List<JsonElement>> DiscoverAllAsync(string host, string type, IReadOnlyList<string> instances)
    {
        var found = new List<JsonElement>();
        await Poll.UntilAsync(
            async () =>
            {
                var run = await KoiDaemon.CliAsync(Lab, host, Ct, "mdns", "discover", type, "--timeout", "3", "--json");
                found = Lines(run.EnsureSuccess().Stdout)
                    .Where(l => l.GetProperty("event").GetString() == "resolved" && instances.Contains(l.GetProperty("name").GetString()))
                    .DistinctBy(l => l.GetProperty("name").GetString())
                    .ToList();
                return found.Count == instances.Count;
            },
            s_converge,
            $"koi on {host} to resolve {string.Join(", ", instances)}",
            Ct);
        return found;
    }

    private static IEnumerable<JsonElement> Lines(string ndjson) =>
        ndjson.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => JsonDocument.Parse(line).RootElement);
}
