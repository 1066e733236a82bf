using System.Text;
using Koi.Proxy.Tests.Support;
using static Koi.Proxy.Tests.Support.PeerProcess;

namespace Koi.Proxy.Tests.Peers;

/// <summary>testssl.sh, the standard TLS scanner, against a proxy entry (docs/security.md: AEAD suites only).</summary>
public sealed class TestsslAgainstProxyTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact(Timeout = 300_000)]
    public async Task Testssl_ProtocolsCiphersAndVulnerabilities_NothingNotOkOrVulnerableBeyondThePrivateRoot()
    {
        Assert.SkipUnless(Exists("testssl"), "needs testssl.sh (scripts/install-test-deps.sh)");
        await using var backend = new TcpBackend(AnswerHttpAsync);
        await using var proxy = new ProxyHarness(new ProxyOptions { BackendCheckInterval = TimeSpan.FromHours(1) });
        proxy.Service.Start();
        var port = KoiProcess.FreeTcpPort();
        await proxy.AddAsync("scanned", port, backend.Url);

        // -p protocols, -s cipher categories, -U every vulnerability check (LUCKY13, BEAST, POODLE, SWEET32, ROBOT …);
        // no certificate checks beyond those: the test CA is a private root no scanner knows.
        using var testssl = Start(
            "testssl", "--quiet", "--color", "0", "--warnings", "off", "--ip", "one", "--fast",
            "--connect-timeout", "10", "--openssl-timeout", "10", "-p", "-s", "-U", $"localhost:{port}");
        var output = await testssl.StandardOutput.ReadToEndAsync(Ct);
        var errors = await testssl.StandardError.ReadToEndAsync(Ct);
        await testssl.WaitForExitAsync(Ct);

        var lines = output.Split('\n').Select(l => l.Trim()).ToList();
        Assert.Contains(lines, l => l.StartsWith("LUCKY13", StringComparison.Ordinal) && l.Contains("not vulnerable", StringComparison.Ordinal));
        var bad = lines.Where(l => (l.Contains("NOT ok", StringComparison.Ordinal) || l.Contains("VULNERABLE", StringComparison.Ordinal))
                                   && !l.Contains("not vulnerable", StringComparison.OrdinalIgnoreCase)).ToList();
        Assert.True(bad.Count == 0, $"testssl flagged:\n{string.Join('\n', bad)}\n--- full output ---\n{output}\n{errors}");
    }

    // Enough HTTP for the scanner's BREACH probe: one small uncompressed page, then close.
    private static async Task AnswerHttpAsync(Socket socket)
    {
        var buffer = new byte[8192];
        var seen = new StringBuilder();
        while (!seen.ToString().Contains("\r\n\r\n", StringComparison.Ordinal))
        {
            var read = await socket.ReceiveAsync(buffer, SocketFlags.None);
            if (read == 0)
            {
                return;
            }

            seen.Append(Encoding.ASCII.GetString(buffer, 0, read));
        }

        await socket.SendAsync("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"u8.ToArray(), SocketFlags.None);
        socket.Shutdown(SocketShutdown.Send);
    }
}
