using System.Diagnostics;
using Koi.Proxy.Tests.Support;
using static Koi.Proxy.Tests.Support.PeerProcess;

namespace Koi.Proxy.Tests.Peers;

/// <summary>
/// openssl s_client against one entry: AEAD suites only (docs/security.md) and sessions resumed by returning clients
/// (docs/performance.md, "Proxy"), both with the cipher list left to .NET so that its OpenSSL context is shared.
/// </summary>
public sealed class CipherSuitesAndResumptionTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact(Timeout = 60_000)]
    public async Task SClient_Tls12WithCbcSuitesOnly_HandshakeFailureAlertAndCounted()
    {
        Assert.SkipUnless(Exists("openssl"), "needs openssl (scripts/install-test-deps.sh)");
        await using var backend = TcpBackend.Echo();
        await using var proxy = new ProxyHarness();
        var port = KoiProcess.FreeTcpPort();
        await proxy.AddAsync("cbc", port, backend.Url);

        var (exit, output) = await SClientAsync("-connect", $"127.0.0.1:{port}", "-tls1_2", "-cipher", "ECDHE-ECDSA-AES128-SHA256:ECDHE-ECDSA-AES256-SHA384:ECDHE-ECDSA-AES128-SHA:ECDHE-RSA-AES128-SHA256");

        Assert.NotEqual(0, exit);
        Assert.Contains("handshake failure", output, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(1, proxy.StatusOf("cbc").HandshakeFailures);
    }

    [Theory(Timeout = 60_000)]
    [InlineData("-tls1_2")]
    [InlineData("-tls1_3")]
    public async Task SClient_ReturningClientWithItsSession_Resumed(string protocol)
    {
        Assert.SkipUnless(Exists("openssl"), "needs openssl (scripts/install-test-deps.sh)");
        await using var backend = TcpBackend.Echo();
        await using var proxy = new ProxyHarness();
        var port = KoiProcess.FreeTcpPort();
        await proxy.AddAsync("resumed", port, backend.Url);
        var session = proxy.Dir.Combine("session.pem");

        var (firstExit, first) = await SClientAsync("-connect", $"127.0.0.1:{port}", protocol, "-sess_out", session);
        var (secondExit, second) = await SClientAsync("-connect", $"127.0.0.1:{port}", protocol, "-sess_in", session);

        Assert.True(firstExit == 0, first);
        Assert.Contains("New, ", first, StringComparison.Ordinal);
        Assert.True(secondExit == 0, second);
        Assert.Contains("Reused, ", second, StringComparison.Ordinal);
    }

    private static async Task<(int Exit, string Output)> SClientAsync(params string[] args)
    {
        var info = new ProcessStartInfo("openssl") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
        info.ArgumentList.Add("s_client");
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info)!;
        // A line for the echo backend, and time to read its answer and a TLS 1.3 ticket (sent after the handshake)
        // before s_client ends at the end of its input.
        await process.StandardInput.WriteLineAsync("ping");
        await process.StandardInput.FlushAsync(Ct);
        await Task.Delay(TimeSpan.FromSeconds(1), Ct);
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync(Ct);
        var errors = process.StandardError.ReadToEndAsync(Ct);
        await process.WaitForExitAsync(Ct);
        return (process.ExitCode, await output + await errors);
    }
}
