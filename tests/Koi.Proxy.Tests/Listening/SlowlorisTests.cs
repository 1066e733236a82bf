using System.Text;
using Koi.Core.Errors;
using Koi.Proxy.Tests.Support;

namespace Koi.Proxy.Tests.Listening;

/// <summary>
/// Idle sockets must not lock an entry (docs/security.md, slowloris): real sockets on loopback, 127.0.0.x addresses
/// standing for separate machines. Every load is bounded in count and time.
/// </summary>
public sealed class SlowlorisTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact(Timeout = 60_000)]
    public async Task IdleSockets_OneSourceOverItsShare_ClientFromAnotherSourceStillServed()
    {
        await using var backend = TcpBackend.Echo();
        // The entry's budget is above one source's share (64 by default), as 1024 is in the daemon.
        await using var proxy = new ProxyHarness(new ProxyOptions { MaxConnectionsPerEntry = 100, HandshakeTimeout = TimeSpan.FromSeconds(30), BackendCheckInterval = TimeSpan.FromHours(1) });
        proxy.Service.Start();
        var port = KoiProcess.FreeTcpPort();
        await proxy.AddAsync("entry", port, backend.Url);
        var idle = await OpenIdleAsync(port, 110, _ => IPAddress.Loopback);
        try
        {
            await Eventually.TrueAsync(() => proxy.StatusOf("entry") is var s && s.ConnectionsOpen + s.Rejected >= 110, "the proxy to take or refuse every idle socket");

            await using var client = await TlsClient.ConnectAsync(port, proxy.Pki.Ca, ct: Ct, source: IPAddress.Parse("127.0.0.2"));
            await EchoAsync(client, "still served");

            Assert.True(proxy.StatusOf("entry").Rejected >= 110 - 64);
        }
        finally
        {
            Close(idle);
        }
    }

    [Fact(Timeout = 60_000)]
    public async Task IdleSockets_ManySourcesFillTheEntry_OldestIdleEvictedForNewClient()
    {
        await using var backend = TcpBackend.Echo();
        await using var proxy = new ProxyHarness(new ProxyOptions { MaxConnectionsPerEntry = 20, HandshakeTimeout = TimeSpan.FromSeconds(30), BackendCheckInterval = TimeSpan.FromHours(1) });
        proxy.Service.Start();
        var port = KoiProcess.FreeTcpPort();
        await proxy.AddAsync("entry", port, backend.Url);
        var idle = await OpenIdleAsync(port, 20, i => IPAddress.Parse($"127.0.1.{i + 1}"));
        try
        {
            await Eventually.TrueAsync(() => proxy.StatusOf("entry").ConnectionsOpen == 20, "the entry to be full of idle sockets");

            await using var client = await TlsClient.ConnectAsync(port, proxy.Pki.Ca, ct: Ct, source: IPAddress.Parse("127.0.0.2"));
            await EchoAsync(client, "made room");

            Assert.True(await ClosedWithinAsync(idle[0], TimeSpan.FromSeconds(5)), "the oldest idle socket is the one evicted");
            Assert.Equal(0, proxy.StatusOf("entry").Rejected);
        }
        finally
        {
            Close(idle);
        }
    }

    [Fact(Timeout = 60_000)]
    public async Task SilentClient_NoFirstByte_ClosedAfterFirstByteTimeout()
    {
        await using var backend = TcpBackend.Echo();
        await using var proxy = new ProxyHarness(new ProxyOptions
        {
            FirstByteTimeout = TimeSpan.FromMilliseconds(500),
            HandshakeTimeout = TimeSpan.FromSeconds(30),
            BackendCheckInterval = TimeSpan.FromHours(1),
        });
        proxy.Service.Start();
        var port = KoiProcess.FreeTcpPort();
        await proxy.AddAsync("entry", port, backend.Url);
        var idle = await OpenIdleAsync(port, 1, _ => IPAddress.Loopback);
        try
        {
            Assert.True(await ClosedWithinAsync(idle[0], TimeSpan.FromSeconds(5)), "a client that never speaks is dropped long before the handshake timeout");
            await Eventually.TrueAsync(() => proxy.StatusOf("entry").ConnectionsOpen == 0, "the slot to be given back");
        }
        finally
        {
            Close(idle);
        }
    }

    [Fact(Timeout = 30_000)]
    public async Task Add_BackendIsTheDaemonsOwnApiPort_RefusedAndNothingChanged()
    {
        await using var proxy = new ProxyHarness(new ProxyOptions { DaemonApiPort = 5641, BackendCheckInterval = TimeSpan.FromHours(1) });
        proxy.Service.Start();

        var refused = await Assert.ThrowsAsync<KoiException>(() => proxy.AddAsync("api", KoiProcess.FreeTcpPort(), "http://localhost:5641"));

        Assert.Equal(KoiErrorCode.InvalidRequest, refused.Code);
        Assert.Contains("koi's own API", refused.Message, StringComparison.Ordinal);
        Assert.Empty(proxy.Service.Status().Entries);
    }

    private static async Task<List<Socket>> OpenIdleAsync(int port, int count, Func<int, IPAddress> source)
    {
        var sockets = new List<Socket>(count);
        for (var i = 0; i < count; i++)
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            sockets.Add(socket);
            socket.Bind(new IPEndPoint(source(i), 0));
            await socket.ConnectAsync(IPAddress.Loopback, port, Ct);
        }

        return sockets;
    }

    private static async Task<bool> ClosedWithinAsync(Socket socket, TimeSpan within)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(within);
        try
        {
            return await socket.ReceiveAsync(new byte[1], SocketFlags.None, timeout.Token) == 0;
        }
        catch (SocketException)
        {
            return true;
        }
        catch (OperationCanceledException) when (!Ct.IsCancellationRequested)
        {
            return false;
        }
    }

    private static void Close(List<Socket> sockets)
    {
        foreach (var socket in sockets)
        {
            socket.Dispose();
        }
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
