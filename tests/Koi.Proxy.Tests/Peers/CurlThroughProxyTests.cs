using Koi.Proxy.Tests.Support;
using static Koi.Proxy.Tests.Support.PeerProcess;

namespace Koi.Proxy.Tests.Peers;

/// <summary>Real peers on both ends: curl as the client, python's http.server as the backend.</summary>
public sealed class CurlThroughProxyTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact(Timeout = 60_000)]
    public async Task Curl_TrustingOnlyTheMeshCa_GetsThePythonBackendsPage()
    {
        Assert.SkipUnless(Exists("curl") && Exists("python3"), "needs curl and python3 (scripts/install-test-deps.sh)");
        await using var proxy = new ProxyHarness();
        var site = proxy.Dir.Combine("site");
        Directory.CreateDirectory(site);
        await File.WriteAllTextAsync(Path.Combine(site, "index.html"), "<h1>served through koi proxy</h1>", Ct);
        var backendPort = KoiProcess.FreeTcpPort();
        using var python = Start("python3", "-m", "http.server", backendPort.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--directory", site);
        try
        {
            await Eventually.TrueAsync(() => Accepts(backendPort), "python http.server to listen");
            proxy.Service.Start();
            var port = KoiProcess.FreeTcpPort();
            await proxy.AddAsync("site", port, $"http://localhost:{backendPort}");
            var caFile = proxy.Dir.Combine("ca.pem");
            await File.WriteAllTextAsync(caFile, proxy.Pki.CaPem, Ct);

            using var curl = Start("curl", "-sS", "--fail", "--max-time", "10", "--cacert", caFile, $"https://localhost:{port}/");
            var page = await curl.StandardOutput.ReadToEndAsync(Ct);
            var errors = await curl.StandardError.ReadToEndAsync(Ct);
            await curl.WaitForExitAsync(Ct);

            Assert.True(curl.ExitCode == 0, $"curl exited {curl.ExitCode}: {errors}");
            Assert.Equal("<h1>served through koi proxy</h1>", page);
            await Eventually.TrueAsync(() => proxy.StatusOf("site").BytesOut > 0 && proxy.StatusOf("site").ConnectionsOpen == 0, "the connection to finish");
        }
        finally
        {
            python.Kill();
            await python.WaitForExitAsync(Ct);
        }
    }
}
