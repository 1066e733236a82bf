using System.Text.Json;
using Koi.Scenarios.Fixtures;
using Koi.Scenarios.Harness;

namespace Koi.Scenarios.Scenarios;

/// <summary>
/// koi's resolver as other machines see it: dig, kdig, glibc and two .NET client stacks against a real dnsmasq upstream
/// and avahi.
/// </summary>
public sealed class DnsScenarios(DnsFixture fixture) : LabScenarios<DnsFixture>(fixture)
{
    private static readonly TimeSpan s_converge = TimeSpan.FromSeconds(20);

    private readonly DnsFixture _fixture = fixture;

    private string ResolverAddress => Lab.AddressOf(DnsFixture.Resolver);

    [Fact(Timeout = 60_000)]
    public async Task StaticEntry_FromAnotherHost_AnsweredAuthoritatively()
    {
        var dig = await Lab.RunAsync(DnsFixture.Client, ["dig", $"@{ResolverAddress}", "nas.lan", "A", "+norec"], Ct);

        Assert.Contains("status: NOERROR", dig.EnsureSuccess().Stdout, StringComparison.Ordinal);
        Assert.Contains(" aa", dig.Stdout, StringComparison.Ordinal);
        Assert.Matches(@"nas\.lan\.\s+\d+\s+IN\s+A\s+10\.77\.0\.200", dig.Stdout);
    }

    [Fact(Timeout = 60_000)]
    public async Task UnknownNameInZone_NxdomainWithSoa()
    {
        var dig = await Lab.RunAsync(DnsFixture.Client, ["dig", $"@{ResolverAddress}", "nothing-here.lan", "A"], Ct);

        Assert.Contains("status: NXDOMAIN", dig.EnsureSuccess().Stdout, StringComparison.Ordinal);
        Assert.Matches(@"lan\.\s+\d+\s+IN\s+SOA", dig.Stdout);
    }

    [Fact(Timeout = 60_000)]
    public async Task ServiceAnnouncedByAvahi_ResolvesAsServiceNameAndSrv()
    {
        var beacon = Lab.AddressOf(DnsFixture.Beacon);

        var a = await Lab.RunUntilSuccessAsync(DnsFixture.Client, ["sh", "-c", $"dig +short @{ResolverAddress} grafana.lan A | grep -Fx {beacon}"], s_converge, Ct);
        var srv = await Lab.RunUntilSuccessAsync(DnsFixture.Observer, ["sh", "-c", $"kdig +short @{ResolverAddress} _grafana._tcp.lan SRV | grep ' 3000 '"], s_converge, Ct);
        var host = await Lab.RunUntilSuccessAsync(DnsFixture.Client, ["sh", "-c", $"dig +short @{ResolverAddress} beacon.lan A | grep -Fx {beacon}"], s_converge, Ct);

        Assert.Equal(beacon, a.Stdout.Trim());
        Assert.Contains("beacon.lan.", srv.Stdout, StringComparison.Ordinal);
        Assert.Equal(beacon, host.Stdout.Trim());
    }

    [Fact(Timeout = 60_000)]
    public async Task NameOutsideZone_ForwardedToDnsmasqUpstream()
    {
        var dig = await Lab.RunAsync(DnsFixture.Client, ["dig", "+short", $"@{ResolverAddress}", "upstream.test", "A"], Ct);
        var kdig = await Lab.RunAsync(DnsFixture.Observer, ["kdig", "+short", "+tcp", $"@{ResolverAddress}", "www.upstream.test", "A"], Ct);

        Assert.Equal("10.77.0.250", dig.EnsureSuccess().Stdout.Trim());
        Assert.NotEmpty(kdig.EnsureSuccess().Stdout.Trim());
    }

    [Fact(Timeout = 60_000)]
    public async Task Glibc_OnResolverHost_GetsTheSameAnswers()
    {
        // Every lab host's resolv.conf says nameserver 127.0.0.1: on stone-a that is koi.
        var nas = await Lab.RunAsync(DnsFixture.Resolver, ["getent", "ahostsv4", "nas.lan"], Ct);
        var grafana = await Lab.RunUntilSuccessAsync(DnsFixture.Resolver, ["getent", "ahostsv4", "grafana.lan"], s_converge, Ct);
        var upstream = await Lab.RunAsync(DnsFixture.Resolver, ["getent", "ahostsv4", "upstream.test"], Ct);

        Assert.StartsWith("10.77.0.200", nas.EnsureSuccess().Stdout, StringComparison.Ordinal);
        Assert.StartsWith(Lab.AddressOf(DnsFixture.Beacon), grafana.Stdout, StringComparison.Ordinal);
        Assert.StartsWith("10.77.0.250", upstream.EnsureSuccess().Stdout, StringComparison.Ordinal);
    }

    [Fact(Timeout = 120_000)]
    public async Task DotnetAndGlibc_OnHostWhoseResolverIsKoi_SameAnswersAsDig()
    {
        // stone-b's resolv.conf names only koi (stone-a): .NET's own resolver (getaddrinfo underneath), DnsClient.NET
        // (a managed DNS codec of its own) and glibc must get what dig gets from koi directly.
        string[] names = ["nas.lan", "grafana.lan", "upstream.test"];
        var dotnet = await Lab.RunUntilSuccessAsync(DnsFixture.Client, ["dotnet", _fixture.DotnetResolver, .. names], s_converge, Ct);

        var lines = dotnet.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        foreach (var name in names)
        {
            var dig = await Lab.RunAsync(DnsFixture.Client, ["dig", "+short", $"@{ResolverAddress}", name, "A"], Ct);
            var getent = await Lab.RunAsync(DnsFixture.Client, ["getent", "ahostsv4", name], Ct);
            var expected = string.Join(',', Words(dig.EnsureSuccess().Stdout, column: 0).Order(StringComparer.Ordinal));

            Assert.NotEmpty(expected);
            Assert.Contains($"system {name} {expected}", lines);
            Assert.Contains($"dnsclient {name} {expected}", lines);
            Assert.Equal(expected, string.Join(',', Words(getent.EnsureSuccess().Stdout, column: 0).Distinct().Order(StringComparer.Ordinal)));
        }

        Assert.Contains($"system nas.lan 10.77.0.200", lines);
        Assert.Contains($"dnsclient grafana.lan {Lab.AddressOf(DnsFixture.Beacon)}", lines);
        Assert.Contains($"system upstream.test 10.77.0.250", lines);
    }

    [Fact(Timeout = 60_000)]
    public async Task PublicAddressEntry_RefusedAtAdd_AndNotServed()
    {
        var add = await KoiDaemon.CliAsync(Lab, DnsFixture.Resolver, Ct, "dns", "add", "evil", "8.8.8.8");
        var dig = await Lab.RunAsync(DnsFixture.Client, ["dig", $"@{ResolverAddress}", "evil.lan", "A"], Ct);

        Assert.Equal(2, add.ExitCode);
        Assert.Contains("public address", add.Stderr, StringComparison.Ordinal);
        Assert.Contains("status: NXDOMAIN", dig.EnsureSuccess().Stdout, StringComparison.Ordinal);
    }

    [Fact(Timeout = 60_000)]
    public async Task PublicSourceAddress_Refused_PrivateSourceAnswered()
    {
        var fromPublic = await Lab.RunAsync(DnsFixture.Observer, ["dig", "-b", DnsFixture.PublicClientAddress, $"@{ResolverAddress}", "nas.lan", "A"], Ct);
        var fromPrivate = await Lab.RunAsync(DnsFixture.Observer, ["dig", "+short", $"@{ResolverAddress}", "nas.lan", "A"], Ct);

        Assert.Contains("status: REFUSED", fromPublic.EnsureSuccess().Stdout, StringComparison.Ordinal);
        Assert.Equal("10.77.0.200", fromPrivate.EnsureSuccess().Stdout.Trim());
    }

    [Fact(Timeout = 90_000)]
    public async Task ClientOverItsRate_IsLimited_WhileAnotherClientIsNot()
    {
        // The fixture serves with 20 qps, burst 20: 200 queries at once from one client must be cut down.
        var flood = Lab.RunAsync(
            DnsFixture.Observer,
            ["sh", "-c", $"for i in $(seq 1 200); do echo nas.lan A; done > /tmp/koi-flood.$$; dnsperf -s {ResolverAddress} -d /tmp/koi-flood.$$ -l 3 -Q 400 -t 1; rm -f /tmp/koi-flood.$$"],
            TimeSpan.FromSeconds(20),
            Ct);
        await Task.Delay(500, Ct);
        var calm = await Lab.RunAsync(DnsFixture.Client, ["dig", "+short", $"@{ResolverAddress}", "nas.lan", "A"], Ct);
        var flooded = await flood;

        Assert.Equal("10.77.0.200", calm.EnsureSuccess().Stdout.Trim());
        var status = JsonDocument.Parse((await KoiDaemon.CliAsync(Lab, DnsFixture.Resolver, Ct, "dns", "status", "--json")).EnsureSuccess().Stdout).RootElement;
        Assert.True(FindNumber(status, "rate_limited") > 100, $"dnsperf: {flooded.Stdout}\nstatus: {status}");
    }

    private static IEnumerable<string> Words(string output, int column) =>
        output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[column]);

    private static long FindNumber(JsonElement element, string name)
    {
        foreach (var property in element.EnumerateObject())
        {
            if (property.Name == name && property.Value.ValueKind == JsonValueKind.Number)
            {
                return property.Value.GetInt64();
            }

            if (property.Value.ValueKind == JsonValueKind.Object && FindNumber(property.Value, name) is var found and >= 0)
            {
                return found;
            }
        }

        return -1;
    }
}
