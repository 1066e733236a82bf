using System.Security.Cryptography;
using Koi.Core.Status;
using Koi.Proxy.Tests.Support;
using Koi.Proxy.Transport;
using Microsoft.Extensions.Logging;

namespace Koi.Proxy.Tests.Transport;

/// <summary>The proxy's own epoll loop with real sockets on 127.0.0.1.</summary>
public sealed class LoopSocketTests : IDisposable
{
    private readonly SocketLoops _loops = new(1);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public void SocketLoops_OnLinux_StartsTheLoop_ZeroStartsNone()
    {
        using var none = new SocketLoops(0);

        Assert.Equal(OperatingSystem.IsLinux() ? 1 : 0, _loops.Count);
        Assert.Null(none.Next());
    }

    [Fact(Timeout = 10_000)]
    public async Task ReceiveAsync_DataArrivesLater_ContinuesOnTheLoopThread()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux(), "epoll is Linux's");
        using var listener = Listen();
        using var socket = await LoopSockets.ConnectAsync(EndPoint(listener), _loops.Next(), Ct);
        using var peer = await listener.AcceptSocketAsync(Ct);
        var buffer = new byte[16];

        var receiving = ReceiveAndNameThreadAsync(socket, buffer);
        await Task.Delay(50, Ct);
        await peer.SendAsync("hello"u8.ToArray(), SocketFlags.None, Ct);
        var (read, thread) = await receiving;

        Assert.True(socket.OnLoop);
        Assert.Equal("hello", System.Text.Encoding.ASCII.GetString(buffer, 0, read));
        Assert.Equal("koi proxy loop 1", thread);
    }

    [Fact(Timeout = 10_000)]
    public async Task WaitReadableThenReceive_FortyRequestsInARow_EveryOneStaysOnTheLoopThread()
    {
        // The keep-alive shape of the pump: wait holding no buffer, then read the request. Each wait lets the loop
        // serve others, so none of these reads may step off the loop for fairness.
        Assert.SkipUnless(OperatingSystem.IsLinux(), "epoll is Linux's");
        using var listener = Listen();
        using var socket = await LoopSockets.ConnectAsync(EndPoint(listener), _loops.Next(), Ct);
        using var peer = await listener.AcceptSocketAsync(Ct);
        var buffer = new byte[16];
        var threads = new List<string?>();

        for (var i = 0; i < 40; i++)
        {
            var request = WaitThenReceiveAsync(socket, buffer);
            await peer.SendAsync("ping"u8.ToArray(), SocketFlags.None, Ct);
            threads.Add(await request);
        }

        Assert.All(threads, thread => Assert.Equal("koi proxy loop 1", thread));
    }

    [Fact(Timeout = 30_000)]
    public async Task SendAsync_PeerReadsSlowly_WaitsForRoom_ByteExact()
    {
        const int size = 8 * 1024 * 1024;
        using var listener = Listen();
        using var socket = await LoopSockets.ConnectAsync(EndPoint(listener), _loops.Next(), Ct);
        using var peer = await listener.AcceptSocketAsync(Ct);
        var payload = RandomNumberGenerator.GetBytes(size);

        var sending = socket.SendAsync(payload, Ct).AsTask();
        await Task.Delay(100, Ct);
        Assert.False(sending.IsCompleted, "8 MiB should not fit in the socket buffers of a peer that has not read");
        var received = new MemoryStream();
        var buffer = new byte[65536];
        while (received.Length < size)
        {
            received.Write(buffer, 0, await peer.ReceiveAsync(buffer, SocketFlags.None, Ct));
        }

        await sending;
        Assert.Equal(SHA256.HashData(payload), SHA256.HashData(received.ToArray()));
    }

    [Fact(Timeout = 10_000)]
    public async Task ReceiveAsync_SocketDisposedMeanwhile_EndsWithObjectDisposed()
    {
        using var listener = Listen();
        var socket = await LoopSockets.ConnectAsync(EndPoint(listener), _loops.Next(), Ct);
        using var peer = await listener.AcceptSocketAsync(Ct);

        var receiving = socket.ReceiveAsync(new byte[16], Ct).AsTask();
        await Task.Delay(50, Ct);
        socket.Dispose();

        await Assert.ThrowsAnyAsync<ObjectDisposedException>(() => receiving);
    }

    [Fact(Timeout = 10_000)]
    public async Task ReceiveAsync_Cancelled_EndsWithOperationCanceled()
    {
        using var listener = Listen();
        using var socket = await LoopSockets.ConnectAsync(EndPoint(listener), _loops.Next(), Ct);
        using var peer = await listener.AcceptSocketAsync(Ct);
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(50));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await socket.ReceiveAsync(new byte[16], cancel.Token));
    }

    [Fact(Timeout = 10_000)]
    public async Task ReceiveAsync_PeerHalfCloses_ReturnsZero()
    {
        using var listener = Listen();
        using var socket = await LoopSockets.ConnectAsync(EndPoint(listener), _loops.Next(), Ct);
        using var peer = await listener.AcceptSocketAsync(Ct);

        var receiving = socket.ReceiveAsync(new byte[16], Ct).AsTask();
        await Task.Delay(50, Ct);
        peer.Shutdown(SocketShutdown.Send);

        Assert.Equal(0, await receiving);
        Assert.False(socket.Reset);
    }

    [Fact(Timeout = 10_000)]
    public async Task ReceiveAsync_PeerResets_ReturnsZeroAndSaysReset_ShutdownSendQuiet()
    {
        // wrk and openssl s_time close with bytes unread, which resets: an everyday end that must not throw per connection.
        Assert.SkipUnless(OperatingSystem.IsLinux(), "epoll is Linux's");
        using var listener = Listen();
        using var socket = await LoopSockets.ConnectAsync(EndPoint(listener), _loops.Next(), Ct);
        using var peer = await listener.AcceptSocketAsync(Ct);

        var receiving = socket.ReceiveAsync(new byte[16], Ct).AsTask();
        await Task.Delay(50, Ct);
        peer.LingerState = new LingerOption(true, 0);
        peer.Close();

        Assert.Equal(0, await receiving);
        Assert.True(socket.Reset);
        socket.ShutdownSend();
    }

    [Fact(Timeout = 10_000)]
    public async Task ReceiveAsync_DataAndFinInOneEdge_DataThenZero()
    {
        // A short read usually means "drained, wait for the next edge" — but a FIN that came with the data raises none.
        using var listener = Listen();
        using var socket = await LoopSockets.ConnectAsync(EndPoint(listener), _loops.Next(), Ct);
        using var peer = await listener.AcceptSocketAsync(Ct);
        var buffer = new byte[16];

        var first = socket.ReceiveAsync(buffer, Ct).AsTask();
        await Task.Delay(50, Ct);
        await peer.SendAsync("abc"u8.ToArray(), SocketFlags.None, Ct);
        peer.Shutdown(SocketShutdown.Send);

        Assert.Equal(3, await first);
        Assert.Equal(0, await socket.ReceiveAsync(buffer, Ct));
    }

    [Fact(Timeout = 10_000)]
    public async Task ConnectAsync_NothingListening_ConnectionRefused()
    {
        var port = KoiProcess.FreeTcpPort();

        var error = await Assert.ThrowsAsync<SocketException>(async () => await LoopSockets.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), _loops.Next(), Ct));

        Assert.Equal(SocketError.ConnectionRefused, error.SocketErrorCode);
    }

    [Fact(Timeout = 10_000)]
    public async Task ConnectAsync_IPv6Loopback_ConnectsAndCarriesBytes()
    {
        using var listener = new TcpListener(IPAddress.IPv6Loopback, 0);
        listener.Start();
        using var socket = await LoopSockets.ConnectAsync(EndPoint(listener), _loops.Next(), Ct);
        using var peer = await listener.AcceptSocketAsync(Ct);

        await peer.SendAsync("v6"u8.ToArray(), SocketFlags.None, Ct);
        var buffer = new byte[16];

        Assert.Equal(2, await socket.ReceiveAsync(buffer, Ct));
        Assert.Equal(EndPoint(listener).Port, ((IPEndPoint)peer.LocalEndPoint!).Port);
    }

    [Fact(Timeout = 10_000)]
    public async Task SocketLoops_AllStart_ReportRunning()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux(), "epoll is Linux's");
        var health = new ComponentHealth("proxy/loops", TimeProvider.System);

        using (new SocketLoops(3, health))
        {
            Assert.Equal(ComponentState.Running, health.Snapshot.State);
            Assert.Equal("3 epoll loops", health.Snapshot.Reason);
        }

        Assert.Equal(ComponentState.Stopped, health.Snapshot.State);
        using var none = new SocketLoops(0, health);
        Assert.Equal(ComponentState.Disabled, health.Snapshot.State);
        await Task.CompletedTask;
    }

    [Fact(Timeout = 10_000)]
    public async Task SocketLoop_EpollBreaks_ClosesItsConnections_ReportsFailedAndLogs_OthersTakeOver()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux(), "epoll is Linux's");
        var health = new ComponentHealth("proxy/loops", TimeProvider.System);
        var logger = new RecordingLogger();
        using var loops = new SocketLoops(2, health, logger);
        var broken = loops.Next()!;
        var survivor = loops.Next()!;
        using var listener = Listen();
        using var socket = await LoopSockets.ConnectAsync(EndPoint(listener), broken, Ct);
        using var peer = await listener.AcceptSocketAsync(Ct);
        var receiving = socket.ReceiveAsync(new byte[16], Ct).AsTask();

        FileDescriptors.ReplaceWithDevNull(broken.Descriptor);

        // The connection on the broken loop ends instead of hanging forever.
        await Assert.ThrowsAnyAsync<ObjectDisposedException>(() => receiving);
        await Eventually.TrueAsync(() => health.Snapshot.State == ComponentState.Failed, "proxy/loops to report the dead loop");
        Assert.Equal("koi proxy loop 1 stopped (epoll_wait failed with errno 22); its connections were closed; new connections use the remaining loops; restart the daemon to recover", health.Snapshot.Reason);
        Assert.Contains(logger.Entries, e => e.Level == LogLevel.Error && e.Message.Contains("koi proxy loop 1 stopped (epoll_wait failed with errno 22)", StringComparison.Ordinal));
        Assert.False(broken.Alive);
        Assert.Same(survivor, loops.Next());
        Assert.Same(survivor, loops.Next());

        // And the survivor still carries traffic.
        using var next = await LoopSockets.ConnectAsync(EndPoint(listener), loops.Next(), Ct);
        using var nextPeer = await listener.AcceptSocketAsync(Ct);
        await nextPeer.SendAsync("ok"u8.ToArray(), SocketFlags.None, Ct);
        var buffer = new byte[4];
        Assert.Equal(2, await next.ReceiveAsync(buffer, Ct));
        Assert.True(next.OnLoop);
    }

    [Fact(Timeout = 60_000)]
    public void Attach_RacingAbort_BackendSocketAlwaysClosed()
    {
        // Attach (the backend connected) and Abort (idle sweep, entry removed) on two threads at once, many times:
        // whichever wins, the backend socket must end up closed.
        for (var i = 0; i < 2000; i++)
        {
            using var clientSocket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            using var backendSocket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            var connection = new Koi.Proxy.Pumping.ProxyConnection(LoopSockets.Attach(clientSocket, null), TimeProvider.System);
            var backend = LoopSockets.Attach(backendSocket, null);
            var start = 0;
            var attached = true;
            var attaching = new Thread(() =>
            {
                while (Volatile.Read(ref start) == 0)
                {
                }

                attached = connection.Attach(backend);
            });
            attaching.Start();
            Volatile.Write(ref start, 1);
            connection.Abort();
            attaching.Join();

            Assert.True(backendSocket.SafeHandle.IsClosed, $"backend socket leaked in round {i} (attached: {attached})");
        }
    }

    public void Dispose() => _loops.Dispose();

    private static async Task<(int Read, string? Thread)> ReceiveAndNameThreadAsync(LoopSocket socket, byte[] buffer)
    {
        // No synchronization context: the continuation runs where the read completed.
        var read = await socket.ReceiveAsync(buffer, Ct).ConfigureAwait(false);
        return (read, Thread.CurrentThread.Name);
    }

    private static async Task<string?> WaitThenReceiveAsync(LoopSocket socket, byte[] buffer)
    {
        await socket.WaitReadableAsync(Ct).ConfigureAwait(false);
        await socket.ReceiveAsync(buffer, Ct).ConfigureAwait(false);
        return Thread.CurrentThread.Name;
    }

    private static TcpListener Listen()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return listener;
    }

    private static IPEndPoint EndPoint(TcpListener listener) => (IPEndPoint)listener.LocalEndpoint;
}
