using System.Net;

namespace Koi.Tests.Metrics;

/// <summary><c>GET /metrics</c> on a real daemon, with real DNS traffic from dig.</summary>
public sealed class MetricsEndpointTests
{
    private static readonly string Koi = KoiProcess.BuiltBinary;

    [Fact]
    public async Task Scrape_DigQueriesZoneName_AnsweredCounterAndLatencyHistogramMove()
    {
        await using var daemon = await LocalDaemon.StartAsync(Koi);
        var dnsPort = await ServeDnsAsync(daemon);
        var before = await ScrapeAsync(daemon);

        for (var i = 0; i < 5; i++)
        {
            var dig = await DigAsync(dnsPort, $"nothing-{i}.lan");
            Assert.Contains("NXDOMAIN", dig, StringComparison.Ordinal);
        }

        var after = await ScrapeAsync(daemon);
        Assert.Equal("counter", after.Types["koi_dns_queries_total"]);
        Assert.Equal("histogram", after.Types["koi_dns_query_duration_seconds"]);
        Assert.Equal(5, after.Value("koi_dns_queries_total", ("result", "answered")) - (before.Value("koi_dns_queries_total", ("result", "answered")) ?? 0));
        var count = after.Value("koi_dns_query_duration_seconds_count", ("source", "zone"));
        Assert.Equal(5, count - (before.Value("koi_dns_query_duration_seconds_count", ("source", "zone")) ?? 0));
        Assert.Equal(count, after.Value("koi_dns_query_duration_seconds_bucket", ("source", "zone"), ("le", "+Inf")));
        var buckets = after.Named("koi_dns_query_duration_seconds_bucket").Select(s => s.Value).ToList();
        Assert.Equal(buckets.Order().ToList(), buckets);
        Assert.InRange(after.Value("koi_dns_query_duration_seconds_sum", ("source", "zone"))!.Value, 0, 5 * 2.0);
        Assert.Equal(1, after.Value("koi_dns_serving"));
    }

    [Fact]
    public async Task Scrape_FreshDaemon_TextFormatWithCertmeshCountersAtZero()
    {
        await using var daemon = await LocalDaemon.StartAsync(Koi);
        using var http = new HttpClient();

        using var response = await http.GetAsync(new Uri(daemon.Endpoint, "/metrics"), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("0.0.4", response.Content.Headers.ContentType?.Parameters.Single(p => p.Name == "version").Value);
        var text = PrometheusText.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.Equal(0, text.Value("koi_certmesh_enrollments_total"));
        Assert.Equal(0, text.Value("koi_dns_serving"));
    }

    /// <summary>
    /// Starts the daemon's DNS server on a free port; a port taken between the pick and the bind (the race
    /// <see cref="TestPorts"/> narrows but cannot close) is retried with another, anything else fails the test.
    /// </summary>
    private static async Task<int> ServeDnsAsync(LocalDaemon daemon)
    {
        for (var attempt = 1; ; attempt++)
        {
            var port = TestPorts.UdpAndTcp(IPAddress.Loopback);
            var serve = await KoiProcess.RunAsync(Koi, ["dns", "serve", "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--listen", "127.0.0.1", "--upstream", "127.0.0.1:9", "--data-dir", daemon.DataDir]);
            if (serve.ExitCode == 0)
            {
                return port;
            }

            Assert.True(attempt < 3 && serve.Stderr.Contains("the port is in use", StringComparison.Ordinal), $"koi dns serve on port {port}: exit {serve.ExitCode}\n{serve.Stderr}{serve.Stdout}");
        }
    }

    private static async Task<PrometheusText> ScrapeAsync(LocalDaemon daemon)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        return PrometheusText.Parse(await http.GetStringAsync(new Uri(daemon.Endpoint, "/metrics")));
    }

    private static async Task<string> DigAsync(int port, string name)
    {
        var run = await KoiProcess.RunAsync("/usr/bin/dig", ["+tries=1", "+time=3", "-p", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "@127.0.0.1", name, "A"]);
        return run.Stdout;
    }
}

public sealed class MetricsAccessTests
{
    [Fact]
    public async Task Scrape_FromLanAddress_403AndNoFigures()
    {
        await using var daemon = await Koi.Tests.Api.TestDaemon.StartAsync();
        using var client = daemon.Client(withToken: true, remote: "192.168.1.50");

        using var response = await client.GetAsync(new Uri("/metrics", UriKind.Relative), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.DoesNotContain("koi_", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
    }
}
