using System.Globalization;

namespace Koi.Tests.Metrics;

/// <summary>
/// <c>koi_mdns_packets_total</c> on a real daemon with mDNS on, inside a throw-away network namespace (one veth
/// interface, nothing reaches a real network), queried by dig on port 5353 (one-shot queries from another port are
/// answered by unicast, RFC 6762 §5.1 and §6.7; dig refuses answers from an address it did not ask, so it asks the
/// responder's own address rather than the group).
/// </summary>
public sealed class MdnsMetricsTests
{
    private const string Ip = "/usr/sbin/ip";
    private const string Interface = "d0";
    private const string Address = "10.98.0.1";

    private static readonly string Koi = KoiProcess.BuiltBinary;

    [Fact]
    public async Task Scrape_DigQueriesOnPort5353_PacketsInAndOutMove()
    {
        Assert.SkipWhen(Environment.UserName != "root", "creating a network namespace needs root");
        var ns = $"koi-metrics-{Environment.ProcessId}-{Random.Shared.Next(100_000)}";
        await IpAsync("netns", "add", ns);
        try
        {
            await IpAsync("-n", ns, "link", "set", "lo", "up");
            await IpAsync("-n", ns, "link", "add", Interface, "type", "veth", "peer", "name", Interface + "p");
            await IpAsync("-n", ns, "link", "set", Interface + "p", "up");
            await IpAsync("-n", ns, "link", "set", Interface, "multicast", "on", "up");
            await IpAsync("-n", ns, "addr", "add", Address + "/24", "dev", Interface);
            using var dataDir = new TempDirectory();
            var port = Text(KoiProcess.FreeTcpPort());
            await using var daemon = KoiProcess.Start(Ip, ["netns", "exec", ns, Koi, "daemon", "--mdns-interface", Interface, "--http-bind", "127.0.0.1", "--http-port", port, "--data-dir", dataDir.Path]);
            var metrics = $"http://127.0.0.1:{port}/metrics";
            var before = await ScrapeUntilAsync(ns, metrics, s => s.Value("koi_mdns_packets_total", ("direction", "out")) > 0, daemon);

            for (var i = 0; i < 5; i++)
            {
                var dig = await KoiProcess.RunAsync(Ip, ["netns", "exec", ns, "/usr/bin/dig", "+tries=3", "+time=5", "-p", "5353", "@" + Address, "_koi._tcp.local", "PTR"]);
                Assert.Contains("_koi._tcp.local.", dig.Stdout, StringComparison.Ordinal);
                Assert.Contains("ANSWER SECTION", dig.Stdout, StringComparison.Ordinal);
            }

            var after = await ScrapeUntilAsync(ns, metrics, s => Delta(s, before, "out") >= 5, daemon);
            Assert.Equal("counter", after.Types["koi_mdns_packets_total"]);
            Assert.True(Delta(after, before, "in") >= 5, $"in moved by {Delta(after, before, "in")}");
            Assert.True(Delta(after, before, "out") >= 5, $"out moved by {Delta(after, before, "out")}");
            Assert.Equal(0, Delta(after, before, "in_malformed"));
        }
        finally
        {
            await KoiProcess.RunAsync(Ip, ["netns", "del", ns]);
        }
    }

    private static double Delta(PrometheusText after, PrometheusText before, string direction) =>
        (after.Value("koi_mdns_packets_total", ("direction", direction)) ?? 0) - (before.Value("koi_mdns_packets_total", ("direction", direction)) ?? 0);

    private static async Task<PrometheusText> ScrapeUntilAsync(string ns, string url, Func<PrometheusText, bool> done, KoiProcess daemon)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            Assert.False(daemon.HasExited, daemon.Stderr);
            var curl = await KoiProcess.RunAsync(Ip, ["netns", "exec", ns, "/usr/bin/curl", "-sf", "--max-time", "5", url]);
            if (curl.ExitCode == 0)
            {
                var scrape = PrometheusText.Parse(curl.Stdout);
                if (done(scrape))
                {
                    return scrape;
                }
            }

            Assert.True(DateTime.UtcNow < deadline, $"metrics at {url} never reached the expected state; last: {curl.Stdout}{curl.Stderr}");
            await Task.Delay(250, TestContext.Current.CancellationToken);
        }
    }

    private static async Task IpAsync(params string[] args)
    {
        var run = await KoiProcess.RunAsync(Ip, args);
        Assert.True(run.ExitCode == 0, $"ip {string.Join(' ', args)}: {run.Stderr}");
    }

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);
}
