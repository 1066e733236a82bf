using System.Text;
using Koi.Proxy.Tests.Support;

namespace Koi.Proxy.Tests.Certificates;

public sealed class CertificateReloadTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact(Timeout = 60_000)]
    public async Task DirectorySwappedLikeCertmesh_NewHandshakesSeeNewSerial_EstablishedConnectionContinues()
    {
        await using var backend = TcpBackend.Echo();
        await using var proxy = new ProxyHarness();
        proxy.Service.Start();
        var port = KoiProcess.FreeTcpPort();
        await proxy.AddAsync("grafana", port, backend.Url);
        await using var established = await TlsClient.ConnectAsync(port, proxy.Pki.Ca, ct: Ct);
        Assert.Equal("01aa", established.Serial);
        await EchoAsync(established, "before");

        proxy.Pki.WriteSet(proxy.CertDir, "02bb");

        await Eventually.TrueAsync(() => proxy.StatusOf("grafana").Certificate.Serial == "02bb", "the new certificate to be loaded");
        await using var fresh = await TlsClient.ConnectAsync(port, proxy.Pki.Ca, ct: Ct);
        Assert.Equal("02bb", fresh.Serial);
        await EchoAsync(established, "after the swap, same connection");
        await EchoAsync(fresh, "new connection");
        Assert.Equal(2, proxy.StatusOf("grafana").ConnectionsOpen);
        Assert.Null(proxy.StatusOf("grafana").Certificate.Problem);
    }

    [Fact(Timeout = 30_000)]
    public async Task Swap_NoticedByTheWatcher_WithoutWaitingForThePeriodicCheck()
    {
        await using var backend = TcpBackend.Echo();
        await using var proxy = new ProxyHarness(new ProxyOptions { CertificateRecheck = TimeSpan.FromHours(1), BackendCheckInterval = TimeSpan.FromHours(1) });
        proxy.Service.Start();
        var port = KoiProcess.FreeTcpPort();
        await proxy.AddAsync("grafana", port, backend.Url);

        proxy.Pki.WriteSet(proxy.CertDir, "06ff");

        await Eventually.TrueAsync(() => proxy.StatusOf("grafana").Certificate.Serial == "06ff", "the watcher to load the new certificate", seconds: 5);
    }

    [Fact(Timeout = 60_000)]
    public async Task KeyThatDoesNotMatch_PreviousCertificateKept_ProblemReported_ThenFixed()
    {
        await using var backend = TcpBackend.Echo();
        await using var proxy = new ProxyHarness();
        proxy.Service.Start();
        var port = KoiProcess.FreeTcpPort();
        await proxy.AddAsync("grafana", port, backend.Url);
        var (cert, _) = proxy.Pki.Issue("03cc");
        var (_, otherKey) = proxy.Pki.Issue("04dd");

        proxy.Pki.WriteSet(proxy.CertDir, cert, otherKey);

        await Eventually.TrueAsync(() => proxy.StatusOf("grafana").Certificate.Problem is not null, "the mismatch to be reported");
        Assert.Contains("does not belong to the certificate", proxy.StatusOf("grafana").Certificate.Problem, StringComparison.Ordinal);
        await using (var client = await TlsClient.ConnectAsync(port, proxy.Pki.Ca, ct: Ct))
        {
            Assert.Equal("01aa", client.Serial);
        }

        proxy.Pki.WriteSet(proxy.CertDir, "05ee");
        await Eventually.TrueAsync(() => proxy.StatusOf("grafana").Certificate.Serial == "05ee", "the corrected set to be loaded");
        Assert.Null(proxy.StatusOf("grafana").Certificate.Problem);
    }

    [Fact(Timeout = 30_000)]
    public async Task CertPath_UsedInsteadOfTheCertmeshDirectory()
    {
        await using var backend = TcpBackend.Echo();
        await using var proxy = new ProxyHarness(writeCertificate: false);
        var own = proxy.Dir.Combine("elsewhere", "mine");
        proxy.Pki.WriteSet(own, "0abc");
        proxy.Service.Start();
        var port = KoiProcess.FreeTcpPort();

        var added = await proxy.AddAsync("custom", port, backend.Url, certPath: own);

        Assert.Equal(own, added.Certificate.Path);
        Assert.Contains("localhost", added.Certificate.Names);
        await using var client = await TlsClient.ConnectAsync(port, proxy.Pki.Ca, ct: Ct);
        Assert.Equal("0abc", client.Serial);
    }

    [Fact(Timeout = 30_000)]
    public async Task CertificateFilesDeleted_StillServingTheLoadedOne_ProblemReported()
    {
        await using var backend = TcpBackend.Echo();
        await using var proxy = new ProxyHarness();
        proxy.Service.Start();
        var port = KoiProcess.FreeTcpPort();
        await proxy.AddAsync("grafana", port, backend.Url);

        Directory.Delete(proxy.CertDir, recursive: true);

        await Eventually.TrueAsync(() => proxy.StatusOf("grafana").Certificate.Problem is not null, "the missing files to be reported");
        Assert.Equal("listening", proxy.StatusOf("grafana").State);
        await using var client = await TlsClient.ConnectAsync(port, proxy.Pki.Ca, ct: Ct);
        Assert.Equal("01aa", client.Serial);
    }

    private static async Task EchoAsync(TlsClient client, string text)
    {
        var bytes = Encoding.ASCII.GetBytes(text);
        await client.Stream.WriteAsync(bytes, Ct);
        var back = new byte[bytes.Length];
        await client.Stream.ReadExactlyAsync(back, Ct);
        Assert.Equal(text, Encoding.ASCII.GetString(back));
    }
}
