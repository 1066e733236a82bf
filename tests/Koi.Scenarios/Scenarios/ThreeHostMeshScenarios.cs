using System.Text.Json;
using Koi.Scenarios.Fixtures;
using Koi.Scenarios.Harness;

namespace Koi.Scenarios.Scenarios;

public sealed class ThreeHostMeshScenarios(MeshFixture fixture) : LabScenarios<MeshFixture>(fixture)
{
    public static TheoryData<string> KoiHosts => [.. MeshFixture.KoiHosts];

    [Theory(Timeout = 60_000)]
    [MemberData(nameof(KoiHosts))]
    public async Task Status_OnEachKoiHost_ReportsThatHostsName(string host)
    {
        var status = (await KoiDaemon.CliAsync(Lab, host, Ct, "status", "--json")).EnsureSuccess();

        using var json = JsonDocument.Parse(status.Stdout);
        Assert.Equal(host, json.RootElement.GetProperty("hostname").GetString());
    }

    [Fact(Timeout = 60_000)]
    public async Task DataDir_OnEachKoiHost_IsThatHostsOwn()
    {
        var breadcrumbs = new List<string>();
        foreach (var host in MeshFixture.KoiHosts)
        {
            var read = await Lab.RunAsync(host, ["cat", $"{KoiDaemon.DataDir}/daemon.json"], Ct);
            breadcrumbs.Add(read.EnsureSuccess().Stdout);
        }

        Assert.Equal(breadcrumbs.Count, breadcrumbs.Distinct().Count());
    }

    [Fact(Timeout = 60_000)]
    public async Task AvahiBrowse_OnObserver_RunsAgainstItsOwnDaemon()
    {
        var browse = await Lab.RunAsync(MeshFixture.Observer, ["avahi-browse", "-a", "-t", "-r", "-p"], TimeSpan.FromSeconds(20), Ct);

        browse.EnsureSuccess();
    }

    [Theory(Timeout = 60_000)]
    [MemberData(nameof(KoiHosts))]
    public async Task UnicastMdnsQuery_FromEachKoiHost_AnsweredByObserversAvahi(string host)
    {
        var observer = Lab.AddressOf(MeshFixture.Observer);

        var dig = await Lab.RunAsync(host, ["dig", "+short", "+time=2", "+tries=2", "-p", "5353", $"@{observer}", $"{MeshFixture.Observer}.local"], Ct);

        Assert.Equal(observer, dig.EnsureSuccess().Stdout.Trim());
    }

    [Theory(Timeout = 60_000)]
    [MemberData(nameof(KoiHosts))]
    public async Task UpstreamQuery_FromEachKoiHost_AnswersTheTestName(string host)
    {
        var upstream = Lab.AddressOf(MeshFixture.Upstream);

        var dig = await Lab.RunAsync(host, ["dig", "+short", "+time=2", "+tries=2", $"@{upstream}", "upstream.test"], Ct);

        Assert.Equal("10.77.0.250", dig.EnsureSuccess().Stdout.Trim());
    }

    [Fact(Timeout = 60_000)]
    public async Task HostNames_OnEachHost_ResolveToEveryLabHost()
    {
        foreach (var from in Lab.Hosts)
        {
            var own = await Lab.RunAsync(from, ["hostname"], Ct);
            Assert.Equal(from, own.EnsureSuccess().Stdout.Trim());
            foreach (var to in Lab.Hosts)
            {
                var lookup = await Lab.RunAsync(from, ["getent", "hosts", to], Ct);
                Assert.StartsWith(Lab.AddressOf(to) + " ", lookup.EnsureSuccess().Stdout, StringComparison.Ordinal);
            }
        }
    }
}
