using System.Diagnostics;
using System.Text;
using Koi.Proxy.Tests.Support;
using static Koi.Proxy.Tests.Support.PeerProcess;

namespace Koi.Proxy.Tests.Peers;

/// <summary>Two entries on one port, reached by name with real clients: openssl s_client and curl.</summary>
public sealed class SniPeersTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact(Timeout = 60_000)]
    public async Task OpensslSClient_ServernameOfEachEntry_VerifiesThatNameAndUnknownNameGetsUnrecognizedNameAlert()
    {
        Assert.SkipUnless(Exists("openssl"), "needs openssl (scripts/install-test-deps.sh)");
        await using var proxy = new ProxyHarness();
        await using var grafana = Http("grafana page");
        await using var wiki = Http("wiki page");
        var (port, caFile) = await ShareOnePortAsync(proxy, grafana, wiki);

        var (grafanaExit, grafanaOut) = await SClientAsync(port, caFile, "grafana.lan");
        var (wikiExit, wikiOut) = await SClientAsync(port, caFile, "wiki-stone-test.lan");
        var (unknownExit, unknownOut) = await SClientAsync(port, caFile, "stone-test.lan");

        Assert.True(grafanaExit == 0, grafanaOut);
        Assert.Contains("Verified peername: grafana.lan", grafanaOut, StringComparison.Ordinal);
        Assert.True(wikiExit == 0, wikiOut);
        Assert.Contains("Verified peername: wiki-stone-test.lan", wikiOut, StringComparison.Ordinal);
        Assert.NotEqual(0, unknownExit);
        Assert.Contains("unrecognized name", unknownOut, StringComparison.OrdinalIgnoreCase);
    }

    [Fact(Timeout = 60_000)]
    public async Task CurlResolve_EachNameOnTheSamePort_ReturnsItsOwnBackendsPage()
    {
        Assert.SkipUnless(Exists("curl"), "needs curl (scripts/install-test-deps.sh)");
        await using var proxy = new ProxyHarness();
        await using var grafana = Http("grafana page");
        await using var wiki = Http("wiki page");
        var (port, caFile) = await ShareOnePortAsync(proxy, grafana, wiki);

        Assert.Equal("grafana page", await CurlAsync(port, caFile, "grafana.lan"));
        Assert.Equal("wiki page", await CurlAsync(port, caFile, "wiki.lan"));
    }

    private static async Task<(int Port, string CaFile)> ShareOnePortAsync(ProxyHarness proxy, TcpBackend grafana, TcpBackend wiki)
    {
        proxy.Service.Start();
        var port = KoiProcess.FreeTcpPort();
        foreach (var (name, backend, serial) in new[] { ("grafana", grafana, "0b01"), ("wiki", wiki, "0b02") })
        {
            var directory = proxy.Dir.Combine("own-certs", name);
            var (cert, key) = proxy.Pki.Issue(serial, $"{name}.lan", $"{name}-stone-test.lan", $"{name}.local");
            proxy.Pki.WriteSet(directory, cert, key);
            await proxy.AddAsync(name, port, backend.Url, certPath: directory);
        }

        var caFile = proxy.Dir.Combine("ca.pem");
        await File.WriteAllTextAsync(caFile, proxy.Pki.CaPem, Ct);
        return (port, caFile);
    }

    /// <summary>A backend that answers one HTTP request with <paramref name="body"/> and closes.</summary>
    private static TcpBackend Http(string body) => new(async socket =>
    {
        var request = new byte[4096];
        if (await socket.ReceiveAsync(request, SocketFlags.None) == 0)
        {
            return;
        }

        var response = $"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n{body}";
        await socket.SendAsync(Encoding.ASCII.GetBytes(response), SocketFlags.None);
        socket.Shutdown(SocketShutdown.Send);
    });

    private static async Task<(int Exit, string Output)> SClientAsync(int port, string caFile, string name)
    {
        var info = new ProcessStartInfo("openssl") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
        foreach (var arg in new[] { "s_client", "-connect", $"127.0.0.1:{port}", "-servername", name, "-verify_hostname", name, "-CAfile", caFile, "-verify_return_error" })
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info)!;
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync(Ct);
        var errors = process.StandardError.ReadToEndAsync(Ct);
        await process.WaitForExitAsync(Ct);
        return (process.ExitCode, await output + await errors);
    }

    private static async Task<string> CurlAsync(int port, string caFile, string name)
    {
        using var curl = Start("curl", "-sS", "--fail", "--max-time", "10", "--cacert", caFile, "--resolve", $"{name}:{port}:127.0.0.1", $"https://{name}:{port}/");
        var page = await curl.StandardOutput.ReadToEndAsync(Ct);
        var errors = await curl.StandardError.ReadToEndAsync(Ct);
        await curl.WaitForExitAsync(Ct);
        Assert.True(curl.ExitCode == 0, $"curl {name} exited {curl.ExitCode}: {errors}");
        return page;
    }
}
