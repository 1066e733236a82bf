using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using Koi.Certmesh.Issuing;
using Koi.Testing;
using Microsoft.Playwright;

namespace Koi.Certmesh.Tests.Issuing;

/// <summary>
/// Debian's Chromium, trusting a root built the way koi builds a new CA (installed in its NSS database as
/// <c>koi certmesh trust install</c> would), refuses a leaf for a site outside the mesh and loads one inside it.
/// </summary>
public sealed class ChromiumNameConstraintsTests : IDisposable
{
    private const string ChromiumPath = "/usr/bin/chromium";
    private readonly TempDirectory _dir = new();

    [Fact(Timeout = 180_000)]
    public async Task Chromium_LeafForExampleComUnderTheRoot_NameConstraintViolationWhileALanLeafLoads()
    {
        Assert.SkipUnless(File.Exists(ChromiumPath) && Tool.Exists("certutil"), "needs Debian's chromium and certutil (libnss3-tools)");
        using var root = NameConstraintsTests.TestRoot.Create(NameScope.For("lan", null));
        var home = _dir.Combine("home");
        var nss = "sql:" + Path.Combine(home, ".pki", "nssdb");
        Directory.CreateDirectory(Path.Combine(home, ".pki", "nssdb"));
        File.WriteAllText(_dir.Combine("root.pem"), root.Certificate.ExportCertificatePem());
        Assert.Equal(0, Tool.Run("certutil", "-d", nss, "-N", "--empty-password").ExitCode);
        Assert.Equal(0, Tool.Run("certutil", "-d", nss, "-A", "-t", "C,,", "-n", "koi test root", "-i", _dir.Combine("root.pem")).ExitCode);
        using var inside = root.Leaf("stone-b", ["stone-b.lan"], []);
        using var outside = root.Leaf("example.com", ["example.com"], []);
        await using var server = SniServer.Start(name => name == "example.com" ? outside : inside);

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Env = new Dictionary<string, string> { ["HOME"] = home },
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                    "--host-resolver-rules=MAP example.com 127.0.0.1, MAP stone-b.lan 127.0.0.1"],
        });
        var page = await browser.NewPageAsync();

        var loaded = await page.GotoAsync($"https://stone-b.lan:{server.Port}/");
        var refused = await Assert.ThrowsAsync<PlaywrightException>(() => page.GotoAsync($"https://example.com:{server.Port}/"));

        Assert.Equal(200, loaded!.Status);
        Assert.Contains("net::ERR_CERT_", refused.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("ERR_CERT_AUTHORITY_INVALID", refused.Message, StringComparison.Ordinal);
    }

    public void Dispose() => _dir.Dispose();

    /// <summary>A loopback HTTPS server that picks its certificate by SNI and answers every request "ok".</summary>
    private sealed class SniServer : IAsyncDisposable
    {
        private readonly TcpListener _listener;
        private readonly Func<string?, X509Certificate2> _pick;
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _loop;

        private SniServer(Func<string?, X509Certificate2> pick)
        {
            _pick = pick;
            _listener = new TcpListener(IPAddress.Loopback, 0);
            _listener.Start();
            _loop = AcceptAsync();
        }

        public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

        public static SniServer Start(Func<string?, X509Certificate2> pick) => new(pick);

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            _listener.Stop();
            await _loop.ContinueWith(_ => { }, TaskScheduler.Default);
            _stop.Dispose();
        }

        private async Task AcceptAsync()
        {
            while (!_stop.IsCancellationRequested)
            {
                var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                _ = ServeAsync(client);
            }
        }

        private async Task ServeAsync(TcpClient client)
        {
            using (client)
            {
                try
                {
                    await using var tls = new SslStream(client.GetStream());
                    await tls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions { ServerCertificateSelectionCallback = (_, name) => _pick(name) }, _stop.Token);
                    var buffer = new byte[4096];
                    _ = await tls.ReadAsync(buffer, _stop.Token);
                    await tls.WriteAsync("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"u8.ToArray(), _stop.Token);
                }
                catch (Exception ex) when (ex is IOException or System.Security.Authentication.AuthenticationException or OperationCanceledException)
                {
                    // The browser refused the certificate, or the test is over.
                }
            }
        }
    }
}
