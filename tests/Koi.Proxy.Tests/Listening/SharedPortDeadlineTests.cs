using System.Diagnostics;
using Koi.Core.Net;
using Koi.Proxy.Tests.Support;

namespace Koi.Proxy.Tests.Listening;

/// <summary>
/// A client of a port shared by several entries has the deadline a client of a dedicated port has (docs/proxy.md,
/// "Limits"): its first byte within the first-byte timeout, then its ClientHello and the chosen entry's handshake
/// together within one handshake timeout — the port reads the ClientHello under that deadline and hands it on.
/// </summary>
public sealed class SharedPortDeadlineTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact(Timeout = 60_000)]
    public async Task SharedPort_SilentClient_ClosedAfterFirstByteTimeoutAndNoEntryCharged()
    {
        await using var proxy = await SharedPortAsync(firstByte: TimeSpan.FromMilliseconds(500), handshake: TimeSpan.FromSeconds(30));
        using var client = await ConnectAsync(proxy.Port);
        var watch = Stopwatch.StartNew();

        Assert.True(await DrainUntilClosedAsync(client, TimeSpan.FromSeconds(10)), "a client that never speaks is dropped");

        Assert.InRange(watch.Elapsed, TimeSpan.FromMilliseconds(400), TimeSpan.FromSeconds(10));
        Assert.Equal(0, proxy.Harness.StatusOf("grafana").ConnectionsTotal);
        Assert.Equal(0, proxy.Harness.StatusOf("wiki").ConnectionsTotal);
    }

    [Fact(Timeout = 60_000)]
    public async Task SharedPort_SlowClientHelloThenSilence_ClosedOneHandshakeTimeoutAfterTheFirstByte()
    {
        var handshake = TimeSpan.FromSeconds(2);
        var pause = TimeSpan.FromSeconds(1.2);
        await using var proxy = await SharedPortAsync(firstByte: TimeSpan.FromSeconds(30), handshake: handshake);
        var hello = await ClientHelloCapture.CaptureAsync("grafana.lan", Ct);
        using var client = await ConnectAsync(proxy.Port);

        // Half the ClientHello, a pause well within the handshake timeout, the rest; then the client says nothing more.
        await client.SendAsync(hello.AsMemory(0, hello.Length / 2), SocketFlags.None, Ct);
        var watch = Stopwatch.StartNew();
        await Task.Delay(pause, Ct);
        await client.SendAsync(hello.AsMemory(hello.Length / 2), SocketFlags.None, Ct);

        Assert.True(await DrainUntilClosedAsync(client, TimeSpan.FromSeconds(20)), "a client that stalls its handshake is dropped");
        var closedAfter = watch.Elapsed;

        // One budget from the first byte (2 s), not the ClientHello's time plus a fresh timeout for the handshake (3.2 s).
        Assert.InRange(closedAfter, handshake - TimeSpan.FromMilliseconds(200), handshake + pause - TimeSpan.FromMilliseconds(300));
        await Eventually.TrueAsync(() => proxy.Harness.StatusOf("grafana").ConnectionsOpen == 0, "the slot to be given back");
        Assert.Equal(1, proxy.Harness.StatusOf("grafana").ConnectionsTotal);
        Assert.Equal(1, proxy.Harness.StatusOf("grafana").HandshakeFailures);
        Assert.Equal(0, proxy.Harness.StatusOf("wiki").ConnectionsTotal);
    }

    private static async Task<SharedPort> SharedPortAsync(TimeSpan firstByte, TimeSpan handshake)
    {
        var backend = TcpBackend.Echo();
        var proxy = new ProxyHarness(new ProxyOptions { FirstByteTimeout = firstByte, HandshakeTimeout = handshake, BackendCheckInterval = TimeSpan.FromHours(1) });
        proxy.Service.Start();
        var port = KoiProcess.FreeTcpPort();
        await proxy.AddAsync("grafana", port, backend.Url);
        await proxy.AddAsync("wiki", port, backend.Url);
        return new SharedPort(proxy, backend, port);
    }

    private static async Task<Socket> ConnectAsync(int port)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(IPAddress.Loopback, port, Ct);
        return socket;
    }


    /// <summary>Reads (the server's handshake flight, if any) until the proxy closes the connection; false on timeout.</summary>
    private static async Task<bool> DrainUntilClosedAsync(Socket socket, TimeSpan within)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(within);
        var buffer = new byte[4096];
        try
        {
            while (await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token) > 0)
            {
            }

            return true;
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

    private sealed record SharedPort(ProxyHarness Harness, TcpBackend Backend, int Port) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await Harness.DisposeAsync();
            await Backend.DisposeAsync();
        }
    }
}
