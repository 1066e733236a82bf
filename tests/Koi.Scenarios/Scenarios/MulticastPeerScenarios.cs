using System.Text.Json;
using Koi.Scenarios.Fixtures;
using Koi.Scenarios.Harness;

namespace Koi.Scenarios.Scenarios;

public sealed class MulticastPeerScenarios(MulticastPeersFixture fixture) : LabScenarios<MulticastPeersFixture>(fixture)
{
    private static readonly TimeSpan s_discoveryTimeout = TimeSpan.FromSeconds(20);

    [Fact(Timeout = 60_000)]
    public async Task AvahiPublish_OnBeacon_ResolvedByAvahiBrowseOnObserver()
    {
        var expected = $"{Lab.AddressOf(MulticastPeersFixture.Beacon)};{MulticastPeersFixture.ServicePort};";

        var browse = await Lab.RunUntilSuccessAsync(
            MulticastPeersFixture.Observer,
            ["sh", "-c", $"avahi-browse -t -r -p {MulticastPeersFixture.ServiceType} | grep -F '{expected}'"],
            s_discoveryTimeout,
            Ct);

        Assert.Contains("=;eth0;IPv4;Koi\\032Lab\\032Beacon;_koilab._tcp;local;beacon.local;", browse.Stdout, StringComparison.Ordinal);
    }

    [Fact(Timeout = 60_000)]
    public async Task ZeroconfBrowse_OnListener_ResolvesBeaconService()
    {
        var browse = await Lab.RunAsync(
            MulticastPeersFixture.Listener,
            ["/usr/bin/python3", RepoPaths.ZeroconfBrowser, MulticastPeersFixture.ServiceType, "--seconds", "15", "--expect", MulticastPeersFixture.ServiceInstance],
            TimeSpan.FromSeconds(25),
            Ct);

        var found = browse.EnsureSuccess().Stdout
            .Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => JsonDocument.Parse(line).RootElement)
            .Single(service => service.GetProperty("instance").GetString() == MulticastPeersFixture.ServiceInstance);
        Assert.Equal(MulticastPeersFixture.ServicePort, found.GetProperty("port").GetInt32());
        Assert.Contains(
            Lab.AddressOf(MulticastPeersFixture.Beacon),
            found.GetProperty("addresses").EnumerateArray().Select(a => a.GetString()));
    }

    [Fact(Timeout = 60_000)]
    public async Task PacketLoss_FullOnResolver_QueriesFailUntilRemoved()
    {
        string[] query = ["dig", "+short", "+time=1", "+tries=1", $"@{Lab.AddressOf(MulticastPeersFixture.Resolver)}", "upstream.test"];
        try
        {
            await Lab.SetPacketLossAsync(MulticastPeersFixture.Resolver, 100, Ct);
            var lost = await Lab.RunAsync(MulticastPeersFixture.Listener, query, Ct);
            Assert.False(lost.Succeeded && lost.Stdout.Trim().Length > 0, $"answer arrived through 100% loss: {lost}");
        }
        finally
        {
            await Lab.SetPacketLossAsync(MulticastPeersFixture.Resolver, 0, Ct);
        }

        var answered = await Lab.RunAsync(MulticastPeersFixture.Listener, query, Ct);
        Assert.Equal("10.77.0.250", answered.EnsureSuccess().Stdout.Trim());
    }
}
