using System.Diagnostics;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Text;

namespace Koi.Certmesh.Tests.MeshPlane;

/// <summary>
/// The TLS the CA's mesh plane offers: the same AEAD-only policy as every koi server port (docs/security.md), held by
/// reading the ClientHello rather than by a cipher suite policy, so that sessions resume (docs/performance.md).
/// </summary>
public sealed class MeshPlaneTlsTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Handshake_Tls12CbcSuite_RefusedAeadSuiteAccepted()
    {
        Assert.SkipUnless(Tool.Exists("openssl"), "needs openssl");
        await using var kit = await MeshKit.StartAsync();
        var target = $"127.0.0.1:{kit.Plane.Port}";

        var cbc = Tool.Run("openssl", "s_client", "-connect", target, "-tls1_2", "-cipher", "ECDHE-ECDSA-AES128-SHA");
        var gcm = Tool.Run("openssl", "s_client", "-connect", target, "-tls1_2", "-cipher", "ECDHE-ECDSA-AES128-GCM-SHA256");

        Assert.NotEqual(0, cbc.ExitCode);
        Assert.Contains("handshake failure", cbc.Stdout + cbc.Stderr, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(0, gcm.ExitCode);
        Assert.Contains("ECDHE-ECDSA-AES128-GCM-SHA256", gcm.Stdout, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("-tls1_2")]
    [InlineData("-tls1_3")]
    public async Task SClient_ReturningClientWithItsSession_Resumed(string protocol)
    {
        Assert.SkipUnless(Tool.Exists("openssl"), "needs openssl");
        await using var kit = await MeshKit.StartAsync();
        var target = $"127.0.0.1:{kit.Plane.Port}";
        var session = kit.MemberDir.Combine("session.pem");

        // A request, so a TLS 1.3 ticket (sent after the handshake) is read before s_client ends.
        var first = await SClientAsync("-connect", target, protocol, "-sess_out", session);
        var second = await SClientAsync("-connect", target, protocol, "-sess_in", session);

        Assert.Contains("New, ", first, StringComparison.Ordinal);
        Assert.Contains("Reused, ", second, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Handshake_ClientHelloArrivesInPieces_HandshakesAndAnswers()
    {
        await using var kit = await MeshKit.StartAsync();
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, kit.Plane.Port!.Value, Ct);
        await using var tls = new SslStream(new TrickleStream(client.GetStream()), leaveInnerStreamOpen: false);

        await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = "localhost",
            // Signed by the mesh CA is what matters here (the name is the CA host's, not localhost).
            RemoteCertificateValidationCallback = (_, certificate, _, _) => certificate?.Issuer == kit.Join.Ca.Vault.CaCert!.Subject,
        }, Ct);
        await tls.WriteAsync(Encoding.ASCII.GetBytes("GET /nothing-here HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"), Ct);
        var answer = await new StreamReader(tls).ReadToEndAsync(Ct);

        Assert.True(TlsPolicyIsAead(tls.NegotiatedCipherSuite));
        Assert.StartsWith("HTTP/1.1 ", answer, StringComparison.Ordinal);
    }

    private static bool TlsPolicyIsAead(TlsCipherSuite suite) => Koi.Core.Net.TlsPolicy.IsAead(suite);

    private static async Task<string> SClientAsync(params string[] args)
    {
        var info = new ProcessStartInfo("openssl") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
        info.ArgumentList.Add("s_client");
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info)!;
        await process.StandardInput.WriteAsync("GET /nothing-here HTTP/1.1\r\nHost: localhost\r\n\r\n");
        await process.StandardInput.FlushAsync(Ct);
        await Task.Delay(TimeSpan.FromSeconds(1), Ct);
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync(Ct);
        var errors = process.StandardError.ReadToEndAsync(Ct);
        await process.WaitForExitAsync(Ct);
        return await output + await errors;
    }

    /// <summary>Sends its first write (the ClientHello) in two pieces with a pause, as a large one may cross a LAN.</summary>
    private sealed class TrickleStream(Stream inner) : Stream
    {
        private bool _first = true;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (_first && buffer.Length > 20)
            {
                _first = false;
                await inner.WriteAsync(buffer[..20], cancellationToken);
                await inner.FlushAsync(cancellationToken);
                await Task.Delay(200, cancellationToken);
                await inner.WriteAsync(buffer[20..], cancellationToken);
                return;
            }

            await inner.WriteAsync(buffer, cancellationToken);
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => inner.ReadAsync(buffer, cancellationToken);

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            inner.ReadAsync(buffer, offset, count, cancellationToken);

        public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

        public override void Flush() => inner.Flush();

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
            }

            base.Dispose(disposing);
        }
    }

    [Fact(Timeout = 300_000)]
    public async Task Testssl_ProtocolsCiphersAndVulnerabilities_NothingNotOkOrVulnerableBeyondThePrivateRoot()
    {
        Assert.SkipUnless(Tool.Exists("testssl"), "needs testssl.sh (scripts/install-test-deps.sh)");
        await using var kit = await MeshKit.StartAsync();

        // -p protocols, -s cipher categories, -U every vulnerability check (LUCKY13, BEAST, POODLE, SWEET32, ROBOT …);
        // no certificate checks beyond those: the mesh CA is a private root no scanner knows.
        var start = new ProcessStartInfo("testssl") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
        foreach (var argument in new[] { "--quiet", "--color", "0", "--warnings", "off", "--ip", "one", "--fast", "--connect-timeout", "10", "--openssl-timeout", "10", "-p", "-s", "-U", $"localhost:{kit.Plane.Port}" })
        {
            start.ArgumentList.Add(argument);
        }

        using var testssl = Process.Start(start)!;
        testssl.StandardInput.Close();
        var errors = testssl.StandardError.ReadToEndAsync(Ct);
        var output = await testssl.StandardOutput.ReadToEndAsync(Ct);
        await testssl.WaitForExitAsync(Ct);

        var lines = output.Split('\n').Select(l => l.Trim()).ToList();
        Assert.Contains(lines, l => l.StartsWith("LUCKY13", StringComparison.Ordinal) && l.Contains("not vulnerable", StringComparison.Ordinal));
        var bad = lines.Where(l => (l.Contains("NOT ok", StringComparison.Ordinal) || l.Contains("VULNERABLE", StringComparison.Ordinal))
                                   && !l.Contains("not vulnerable", StringComparison.OrdinalIgnoreCase)).ToList();
        Assert.True(bad.Count == 0, $"testssl flagged:\n{string.Join('\n', bad)}\n--- full output ---\n{output}\n{await errors}");
    }
}
