using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Koi.Tests.Metrics;

/// <summary>
/// <c>GET /metrics</c> on a real daemon while real peers make traffic: curl through the TLS proxy in front of a python
/// http.server, a plain-HTTP client on the TLS port, and a TCP health check whose target goes away.
/// </summary>
public sealed class TrafficMetricsTests
{
    private const string Host = "metrics-host";
    private const int PageBytes = 256 * 1024;

    private static readonly string Koi = KoiProcess.BuiltBinary;

    // The daemon and the CLI agree on the machine's name (the CLI names the certificate directory itself).
    private static readonly Dictionary<string, string?> HostEnv = new() { ["KOI_HOSTNAME"] = Host };

    [Fact]
    public async Task Scrape_CurlThroughProxyAndPlainHttpOnTlsPort_ConnectionByteAndHandshakeCountersMove()
    {
        await using var daemon = await LocalDaemon.StartAsync(Koi, env: HostEnv);
        await CliAsync(daemon, "certmesh", "create", "--profile", "just-me", "--passphrase", "metrics test passphrase here");
        using var site = new TempDirectory();
        await File.WriteAllBytesAsync(site.Combine("page.bin"), System.Security.Cryptography.RandomNumberGenerator.GetBytes(PageBytes), TestContext.Current.CancellationToken);
        var backendPort = KoiProcess.FreeTcpPort();
        await using var backend = KoiProcess.Start("/usr/bin/python3", ["-m", "http.server", Text(backendPort), "--bind", "127.0.0.1", "--directory", site.Path]);
        await WaitListeningAsync(backendPort);
        var proxyPort = KoiProcess.FreeTcpPort();
        await CliAsync(daemon, "proxy", "add", "web", "--listen", $"127.0.0.1:{Text(proxyPort)}", "--backend", $"http://127.0.0.1:{Text(backendPort)}");
        var before = await ScrapeAsync(daemon);

        var curl = await KoiProcess.RunAsync("/usr/bin/curl", [
            "-sS", "--fail", "--max-time", "20", "-o", "/dev/null", "-w", "%{size_download}",
            "--cacert", Path.Combine(daemon.DataDir, "certs", Host, "ca.pem"),
            "--resolve", $"{Host}.lan:{Text(proxyPort)}:127.0.0.1", $"https://{Host}.lan:{Text(proxyPort)}/page.bin"]);
        Assert.True(curl.ExitCode == 0, curl.Stderr);
        Assert.Equal(Text(PageBytes), curl.Stdout.Trim());
        // Plain HTTP on the TLS port: the handshake fails on the daemon's side.
        var plain = await KoiProcess.RunAsync("/usr/bin/curl", ["-sS", "--max-time", "10", "-o", "/dev/null", $"http://127.0.0.1:{Text(proxyPort)}/"]);
        Assert.NotEqual(0, plain.ExitCode);

        // Closed connections are counted when their pump ends, a moment after curl has its bytes.
        var after = await ScrapeUntilAsync(daemon, s => Delta(s, before, "koi_proxy_handshake_failures_total", ("entry", "web")) >= 1
            && s.Value("koi_proxy_connections_open", ("entry", "web")) == 0);
        Assert.Equal("counter", after.Types["koi_proxy_connections_total"]);
        Assert.Equal(2, Delta(after, before, "koi_proxy_connections_total", ("entry", "web")));
        Assert.Equal(1, Delta(after, before, "koi_proxy_handshake_failures_total", ("entry", "web")));
        Assert.InRange(Delta(after, before, "koi_proxy_transferred_bytes_total", ("entry", "web"), ("direction", "out")), PageBytes, PageBytes + 16 * 1024);
        Assert.InRange(Delta(after, before, "koi_proxy_transferred_bytes_total", ("entry", "web"), ("direction", "in")), 40, 4 * 1024);
        Assert.Equal(0, Delta(after, before, "koi_proxy_backend_failures_total", ("entry", "web")));
        Assert.Equal(1, after.Value("koi_proxy_listening", ("entry", "web")));
    }

    [Fact]
    public async Task Scrape_HealthCheckTargetStops_UpGaugeGoesFromOneToZero()
    {
        await using var daemon = await LocalDaemon.StartAsync(Koi);
        var target = new TcpListener(IPAddress.Loopback, 0);
        target.Start();
        var port = ((IPEndPoint)target.LocalEndpoint).Port;
        await CliAsync(daemon, "health", "add", "postgres", "--tcp", $"127.0.0.1:{Text(port)}", "--interval", "1s", "--timeout", "1s");

        var up = await ScrapeUntilAsync(daemon, s => s.Value("koi_health_up", ("kind", "service"), ("name", "postgres")) is not null);
        target.Stop();
        var down = await ScrapeUntilAsync(daemon, s => s.Value("koi_health_up", ("kind", "service"), ("name", "postgres")) == 0);

        Assert.Equal("gauge", up.Types["koi_health_up"]);
        Assert.Equal(1, up.Value("koi_health_up", ("kind", "service"), ("name", "postgres")));
        Assert.Equal(0, down.Value("koi_health_up", ("kind", "service"), ("name", "postgres")));
    }

    private static double Delta(PrometheusText after, PrometheusText before, string name, params (string Key, string Value)[] labels) =>
        (after.Value(name, labels) ?? 0) - (before.Value(name, labels) ?? 0);

    private static async Task<PrometheusText> ScrapeUntilAsync(LocalDaemon daemon, Func<PrometheusText, bool> done)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (true)
        {
            var scrape = await ScrapeAsync(daemon);
            if (done(scrape) || DateTime.UtcNow > deadline)
            {
                return scrape;
            }

            await Task.Delay(200, TestContext.Current.CancellationToken);
        }
    }

    private static async Task<PrometheusText> ScrapeAsync(LocalDaemon daemon)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        return PrometheusText.Parse(await http.GetStringAsync(new Uri(daemon.Endpoint, "/metrics"), TestContext.Current.CancellationToken));
    }

    private static async Task CliAsync(LocalDaemon daemon, params string[] args)
    {
        var run = await KoiProcess.RunAsync(Koi, [.. args, "--data-dir", daemon.DataDir], HostEnv);
        Assert.True(run.ExitCode == 0, $"koi {string.Join(' ', args)}: {run.Stdout}{run.Stderr}");
    }

    private static async Task WaitListeningAsync(int port)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (true)
        {
            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync(IPAddress.Loopback, port, TestContext.Current.CancellationToken);
                return;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(100, TestContext.Current.CancellationToken);
            }
        }
    }

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);
}
