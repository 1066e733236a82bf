using Koi.Dns.Tests.Support;

namespace Koi.Dns.Tests.Sources;

/// <summary>
/// A machine that starts 50 services announces them within a second or two. Each zone rebuild builds the whole zone
/// (~160 KB of garbage with 50 services), so the burst must make a few rebuilds, not one per service.
/// </summary>
public sealed class MdnsBurstTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task WatchMdns_FiftyServicesResolvedInABurst_AFewRebuildsNotOnePerService()
    {
        await using var server = await DnsTestServer.StartAsync(serve: false);
        await Task.Delay(300, Ct); // the watch is running and the start-up rebuild is done
        var serialBefore = server.Service.Zone.Serial;

        for (var i = 0; i < 50; i++)
        {
            server.Mdns.Add(FakeServiceDirectory.Service($"Crowd {i}", $"_crowd{i % 10}._tcp", "crowd", 10000 + i, "10.77.0.50"));
            await Task.Delay(10, Ct); // spread over ~0.5 s, as announcements arrive
        }

        await Poll.TrueAsync(() => server.Service.Zone.Nodes.Count(n => n.Key.ToString().StartsWith("_crowd", StringComparison.Ordinal)) == 10,
            "every service type in the zone");
        await Task.Delay(600, Ct); // anything still pending has run
        var rebuilds = server.Service.Zone.Serial - serialBefore;

        Assert.InRange(rebuilds, 1u, 6u);
    }
}
