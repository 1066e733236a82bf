using System.Globalization;
using Koi.Core.Health;
using Koi.Health.Checks;
using Koi.Health.Probes;
using Koi.Health.Tests.Support;

namespace Koi.Health.Tests.Probes;

/// <summary>The HTTP probe against real servers on 127.0.0.1: python's http.server and openssl s_server.</summary>
public sealed class HttpProbeTests
{
    private static readonly DateTimeOffset Now = DateTimeOffset.UtcNow;

    [Fact]
    public async Task ProbeAsync_PythonHttpServer_Up200()
    {
        using var dir = new TempDirectory();
        var port = KoiProcess.FreeTcpPort();
        await using var server = await PythonHttp.StartAsync(dir, port);

        var result = await ProbeAsync(new HttpProbe(new EmptyMeshTrustAnchors()), $"http://127.0.0.1:{port}/");

        Assert.Equal(new ProbeResult(true, "200"), result);
    }

    [Fact]
    public async Task ProbeAsync_PythonHttpServerMissingPath_Down404()
    {
        using var dir = new TempDirectory();
        var port = KoiProcess.FreeTcpPort();
        await using var server = await PythonHttp.StartAsync(dir, port);

        var result = await ProbeAsync(new HttpProbe(new EmptyMeshTrustAnchors()), $"http://127.0.0.1:{port}/nothing-here");

        Assert.False(result.Up);
        Assert.Equal("404", result.Label);
        Assert.StartsWith("HTTP 404", result.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ProbeAsync_NothingListening_DownClosed()
    {
        var port = KoiProcess.FreeTcpPort();

        var result = await ProbeAsync(new HttpProbe(new EmptyMeshTrustAnchors()), $"http://127.0.0.1:{port}/");

        Assert.Equal(new ProbeResult(false, "closed", "connection refused"), result);
    }

    [Fact]
    public async Task ProbeAsync_HttpsSignedByMeshCa_UpThroughMeshAnchor()
    {
        Assert.SkipUnless(PeerProcess.Exists("openssl"), "openssl is not installed");
        using var dir = new TempDirectory();
        using var certs = TestCertificates.Create(dir.Path);
        var port = KoiProcess.FreeTcpPort();
        await using var server = await StartTlsServerAsync(certs, port);

        var result = await ProbeAsync(new HttpProbe(new StaticTrustAnchors(certs.Ca)), $"https://127.0.0.1:{port}/");

        Assert.Equal(new ProbeResult(true, "200"), result);
    }

    [Fact]
    public async Task ProbeAsync_HttpsWithoutMeshCa_DownTlsWithReason()
    {
        Assert.SkipUnless(PeerProcess.Exists("openssl"), "openssl is not installed");
        using var dir = new TempDirectory();
        using var certs = TestCertificates.Create(dir.Path);
        var port = KoiProcess.FreeTcpPort();
        await using var server = await StartTlsServerAsync(certs, port);

        var result = await ProbeAsync(new HttpProbe(new EmptyMeshTrustAnchors()), $"https://127.0.0.1:{port}/");

        Assert.False(result.Up);
        Assert.Equal("tls", result.Label);
        Assert.Contains("not trusted", result.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ProbeAsync_HttpsSignedByUnknownCa_DownTlsWithReason()
    {
        Assert.SkipUnless(PeerProcess.Exists("openssl"), "openssl is not installed");
        using var dir = new TempDirectory();
        using var certs = TestCertificates.Create(dir.Path);
        using var otherDir = new TempDirectory();
        using var other = TestCertificates.Create(otherDir.Path, "some other CA");
        var port = KoiProcess.FreeTcpPort();
        await using var server = await StartTlsServerAsync(certs, port);

        var result = await ProbeAsync(new HttpProbe(new StaticTrustAnchors(other.Ca)), $"https://127.0.0.1:{port}/");

        Assert.False(result.Up);
        Assert.Equal("tls", result.Label);
        Assert.Contains("not trusted by the system store or the mesh CA", result.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ProbeAsync_HttpsNameMismatch_DownEvenWithMeshCa()
    {
        Assert.SkipUnless(PeerProcess.Exists("openssl"), "openssl is not installed");
        using var dir = new TempDirectory();
        using var certs = TestCertificates.Create(dir.Path);
        var port = KoiProcess.FreeTcpPort();
        await using var server = await StartTlsServerAsync(certs, port);

        // 127.0.0.2 is loopback too, but the certificate names only 127.0.0.1 and localhost.
        var result = await ProbeAsync(new HttpProbe(new StaticTrustAnchors(certs.Ca)), $"https://127.0.0.2:{port}/", expectConnect: false);

        Assert.False(result.Up);
    }

    internal static async Task<ProbeResult> ProbeAsync(ICheckProbe probe, string url, bool expectConnect = true)
    {
        _ = expectConnect;
        var check = new CheckDefinition("t", CheckKind.Http, url, 30, 5, Now);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        cts.CancelAfter(TimeSpan.FromSeconds(10));
        return await probe.ProbeAsync(check, cts.Token);
    }

    private static Task<PeerProcess> StartTlsServerAsync(TestCertificates certs, int port) => PeerProcess.StartAsync(
        "openssl",
        ["s_server", "-accept", $"127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}", "-cert", certs.CertPath, "-key", certs.KeyPath, "-www", "-quiet"],
        port);
}

internal static class PythonHttp
{
    public static Task<PeerProcess> StartAsync(TempDirectory dir, int port) => PeerProcess.StartAsync(
        "python3",
        ["-m", "http.server", port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--directory", dir.Path],
        port,
        dir.Path);
}
