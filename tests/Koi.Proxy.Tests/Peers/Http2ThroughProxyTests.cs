using Koi.Proxy.Tests.Support;
using static Koi.Proxy.Tests.Support.PeerProcess;

namespace Koi.Proxy.Tests.Peers;

/// <summary>
/// HTTP/2 over TLS passes through the pipe when the entry offers h2: curl negotiates it by ALPN and nginx, speaking
/// h2c (prior knowledge) behind the proxy, answers it. Without the flag the same client falls back to HTTP/1.1.
/// </summary>
public sealed class Http2ThroughProxyTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory(Timeout = 60_000)]
    [InlineData(true, "2")]
    [InlineData(false, "1.1")]
    public async Task Curl_EntryWithOrWithoutHttp2_NegotiatesThatVersionEndToEnd(bool http2, string expectedVersion)
    {
        Assert.SkipUnless(File.Exists("/usr/sbin/nginx") && Exists("curl"), "needs nginx and curl (scripts/install-test-deps.sh)");
        await using var proxy = new ProxyHarness();
        var backendPort = KoiProcess.FreeTcpPort();
        var root = proxy.Dir.Combine("nginx");
        Directory.CreateDirectory(Path.Combine(root, "html"));
        await File.WriteAllTextAsync(Path.Combine(root, "html", "index.html"), "h2c backend\n", Ct);
        var conf = Path.Combine(root, "nginx.conf");
        // Workers run as the test's user (the temp dir is 0700); http2 on a plain listener is h2c with prior knowledge; HTTP/1.1 still works there too.
        var listen = http2 ? $"listen 127.0.0.1:{backendPort} http2;" : $"listen 127.0.0.1:{backendPort};";
        await File.WriteAllTextAsync(conf, $$"""
            daemon off;
            user root;
            pid {{root}}/nginx.pid;
            error_log {{root}}/error.log;
            events { worker_connections 64; }
            http {
                access_log off;
                client_body_temp_path {{root}}/tmp;
                server { {{listen}} root {{root}}/html; }
            }
            """, Ct);
        using var nginx = Start("/usr/sbin/nginx", "-p", root, "-c", conf);
        try
        {
            await Eventually.TrueAsync(() => Accepts(backendPort), "nginx to listen");
            proxy.Service.Start();
            var port = KoiProcess.FreeTcpPort();
            await proxy.AddAsync("h2", port, $"http://localhost:{backendPort}", http2: http2);
            var caFile = proxy.Dir.Combine("ca.pem");
            await File.WriteAllTextAsync(caFile, proxy.Pki.CaPem, Ct);

            using var curl = Start("curl", "-sS", "--fail", "--max-time", "10", "--http2", "--cacert", caFile, "-w", "\n%{http_version}", $"https://localhost:{port}/");
            var output = await curl.StandardOutput.ReadToEndAsync(Ct);
            var errors = await curl.StandardError.ReadToEndAsync(Ct);
            await curl.WaitForExitAsync(Ct);

            Assert.True(curl.ExitCode == 0, $"curl exited {curl.ExitCode}: {errors}");
            var lines = output.Split('\n');
            Assert.Equal("h2c backend", lines[0]);
            Assert.Equal(expectedVersion, lines[^1]);
        }
        finally
        {
            nginx.Kill(entireProcessTree: true);
            await nginx.WaitForExitAsync(Ct);
        }
    }
}
