using System.Security.Authentication;
using System.Text;
using Koi.Core.Errors;
using Koi.Proxy.Tests.Support;

namespace Koi.Proxy.Tests.Routing;

/// <summary>Several entries on one port, each reached by the name the client asks for (SNI) and presenting its own certificate.</summary>
public sealed class SniRoutingTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task SharedPort_EachNameReachesItsOwnBackendWithItsOwnCertificate()
    {
        await using var proxy = new ProxyHarness();
        await using var grafana = Says("grafana");
        await using var wiki = Says("wiki");
        proxy.Service.Start();
        var port = KoiProcess.FreeTcpPort();
        await AddNamedAsync(proxy, "grafana", port, grafana, "0a01");
        await AddNamedAsync(proxy, "wiki", port, wiki, "0a02");

        Assert.Equal("grafana", await FetchAsync(proxy, port, "grafana.lan"));
        Assert.Equal("wiki", await FetchAsync(proxy, port, "wiki.lan"));
        Assert.Equal("wiki", await FetchAsync(proxy, port, "WIKI-stone-test.lan"));
        Assert.Equal("grafana", await FetchAsync(proxy, port, "grafana.local"));
        Assert.Equal("listening", proxy.StatusOf("wiki").State);
        Assert.Equal(2, proxy.StatusOf("grafana").ConnectionsTotal);
    }

    [Fact]
    public async Task SharedPort_UnknownName_TlsAlertAndNoBackendReached()
    {
        await using var proxy = new ProxyHarness();
        await using var grafana = Says("grafana");
        await using var wiki = Says("wiki");
        proxy.Service.Start();
        var port = KoiProcess.FreeTcpPort();
        await AddNamedAsync(proxy, "grafana", port, grafana, "0a01");
        await AddNamedAsync(proxy, "wiki", port, wiki, "0a02");

        await Assert.ThrowsAnyAsync<AuthenticationException>(() => TlsClient.ConnectAsync(port, proxy.Pki.Ca, "stone-test.lan", ct: Ct));

        Assert.Equal(0, proxy.StatusOf("grafana").ConnectionsTotal);
        Assert.Equal(0, proxy.StatusOf("wiki").ConnectionsTotal);
        Assert.Equal(1, proxy.Service.Find("grafana")!.Port!.Unrouted);
    }

    [Fact]
    public async Task SharedPort_RemoveOne_OthersOpenConnectionKeepsFlowing_LastOneServesAnyName()
    {
        await using var proxy = new ProxyHarness();
        await using var echo = TcpBackend.Echo();
        await using var wiki = Says("wiki");
        proxy.Service.Start();
        var port = KoiProcess.FreeTcpPort();
        await AddNamedAsync(proxy, "grafana", port, echo, "0a01");
        await AddNamedAsync(proxy, "wiki", port, wiki, "0a02");
        await using var open = await TlsClient.ConnectAsync(port, proxy.Pki.Ca, "grafana.lan", ct: Ct);
        await open.Stream.WriteAsync("before"u8.ToArray(), Ct);
        Assert.Equal("before", await ReadAsync(open, 6));

        await proxy.Service.RemoveAsync("wiki");
        await open.Stream.WriteAsync("after"u8.ToArray(), Ct);

        Assert.Equal("after", await ReadAsync(open, 5));
        // One entry left on the port: any name reaches it again, as on a port of its own.
        await using var other = await TlsClient.ConnectAsync(port, proxy.Pki.Ca, "grafana.lan", ct: Ct);
        Assert.Equal("listening", proxy.StatusOf("grafana").State);
    }

    [Fact]
    public async Task SharedPort_NameThatIsNotADnsLabel_409NothingChanged()
    {
        await using var proxy = new ProxyHarness();
        proxy.Service.Start();
        var port = KoiProcess.FreeTcpPort();
        await proxy.AddAsync("grafana", port, "http://127.0.0.1:3000");

        var error = await Assert.ThrowsAsync<KoiException>(() => proxy.AddAsync("my_app", port, "http://127.0.0.1:3001", noAlias: true));

        Assert.Equal(KoiErrorCode.Conflict, error.Code);
        Assert.Contains("DNS labels", error.Message, StringComparison.Ordinal);
        Assert.Single(proxy.Service.Entries());
    }

    [Fact]
    public async Task Find_FiftyEntries_DictionaryHitWithoutAllocating()
    {
        await using var proxy = new ProxyHarness();
        proxy.Service.Start();
        var port = KoiProcess.FreeTcpPort();
        for (var i = 0; i < 50; i++)
        {
            await proxy.AddAsync($"svc{i}", port, $"http://127.0.0.1:{3000 + i}");
        }

        var routes = proxy.Service.Find("svc0")!.Port!.Routes;
        var name = "SVC37-stone-test.lan"u8.ToArray();
        Assert.Equal("svc37", routes.Find(name)!.Entry.Name);
        Assert.Null(routes.Find("nobody.lan"u8));

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 10_000; i++)
        {
            _ = routes.Find(name);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    private static TcpBackend Says(string text) => new(async socket =>
    {
        await socket.SendAsync(Encoding.ASCII.GetBytes(text), SocketFlags.None);
        socket.Shutdown(SocketShutdown.Send);
    });

    /// <summary>An entry with a certificate of its own that names only <c>NAME.lan</c> and <c>NAME-stone-test.lan</c> and <c>NAME.local</c>.</summary>
    private static async Task AddNamedAsync(ProxyHarness proxy, string name, int port, TcpBackend backend, string serial)
    {
        var directory = proxy.Dir.Combine("own-certs", name);
        var (cert, key) = proxy.Pki.Issue(serial, $"{name}.lan", $"{name}-stone-test.lan", $"{name}.local");
        proxy.Pki.WriteSet(directory, cert, key);
        await proxy.AddAsync(name, port, backend.Url, certPath: directory);
    }

    private static async Task<string> FetchAsync(ProxyHarness proxy, int port, string host)
    {
        await using var client = await TlsClient.ConnectAsync(port, proxy.Pki.Ca, host, ct: Ct);
        return Encoding.ASCII.GetString(await client.ReadToEndAsync(Ct));
    }

    private static async Task<string> ReadAsync(TlsClient client, int count)
    {
        var buffer = new byte[count];
        await client.Stream.ReadExactlyAsync(buffer, Ct);
        return Encoding.ASCII.GetString(buffer);
    }
}
