using System.Security.Cryptography;
using System.Text;
using Koi.Core.Status;
using Koi.Proxy.Tests.Support;

namespace Koi.Proxy.Tests.Pumping;

/// <summary>The byte pump between real TLS clients and real backend sockets on 127.0.0.1.</summary>
public sealed class PumpTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact(Timeout = 60_000)]
    public Task BigTransfer_BothDirectionsAtOnce_ByteExact() => BigTransferAsync(options: null, onLoop: OperatingSystem.IsLinux());

    [Fact(Timeout = 60_000)]
    public Task BigTransfer_NoSocketLoops_ByteExactOverDotNetSockets() => BigTransferAsync(new ProxyOptions { SocketLoops = 0 }, onLoop: false);

    private static async Task BigTransferAsync(ProxyOptions? options, bool onLoop)
    {
        const int size = 32 * 1024 * 1024;
        await using var backend = TcpBackend.Echo();
        await using var proxy = new ProxyHarness(options);
        proxy.Service.Start();
        var port = KoiProcess.FreeTcpPort();
        await proxy.AddAsync("echo", port, backend.Url);
        await using var client = await TlsClient.ConnectAsync(port, proxy.Pki.Ca, ct: Ct);
        var payload = RandomNumberGenerator.GetBytes(size);
        await Eventually.TrueAsync(() => proxy.Service.Find("echo")!.OpenConnections().Count == 1, "the proxy to hold the connection");
        var served = proxy.Service.Find("echo")!.OpenConnections()[0];
        Assert.Equal(onLoop, served.Client.OnLoop);

        var sending = Task.Run(
            async () =>
            {
                // Odd-sized writes so records and reads never line up with the proxy's buffers.
                for (var offset = 0; offset < size; offset += 12_345)
                {
                    await client.Stream.WriteAsync(payload.AsMemory(offset, Math.Min(12_345, size - offset)), Ct);
                }
            },
            Ct);
        var received = new byte[size];
        var receiving = client.Stream.ReadExactlyAsync(received, Ct).AsTask();

        // A send that fails ends the test here with its error, not at the timeout with the reader still waiting.
        await await Task.WhenAny(sending, receiving);
        await Task.WhenAll(sending, receiving);

        // Only now, with every byte back and no record in flight to the client, the client's close_notify. .NET's
        // SslStream.ShutdownAsync calls OpenSSL's SSL_shutdown twice on Linux, the second time reading from the same
        // input as the concurrent read's SSL_read: sent while the reader was still decrypting, it failed now and then
        // with SSL_ERROR_SYSCALL (5), the half-close was never sent, and the test waited for its timeout.
        await client.Stream.ShutdownAsync();
        Assert.Empty(await client.ReadToEndAsync(Ct));

        Assert.Equal(SHA256.HashData(payload), SHA256.HashData(received));
        await Eventually.TrueAsync(() => proxy.StatusOf("echo").ConnectionsOpen == 0, "the connection to close after both half-closes");
        var status = proxy.StatusOf("echo");
        Assert.Equal(size, status.BytesIn);
        Assert.Equal(size, status.BytesOut);
        Assert.Equal(1, status.ConnectionsTotal);
    }

    [Fact(Timeout = 30_000)]
    public async Task HalfClose_ClientStopsSending_BackendStillAnswers()
    {
        await using var backend = new TcpBackend(async socket =>
        {
            var buffer = new byte[65536];
            long total = 0;
            int read;
            while ((read = await socket.ReceiveAsync(buffer, SocketFlags.None)) > 0)
            {
                total += read;
            }

            // The client's end of stream arrived; the answer goes back over the still-open other half.
            await socket.SendAsync(Encoding.ASCII.GetBytes($"got {total} bytes"), SocketFlags.None);
            socket.Shutdown(SocketShutdown.Send);
        });
        await using var proxy = new ProxyHarness();
        proxy.Service.Start();
        var port = KoiProcess.FreeTcpPort();
        await proxy.AddAsync("half", port, backend.Url);
        await using var client = await TlsClient.ConnectAsync(port, proxy.Pki.Ca, ct: Ct);

        await client.Stream.WriteAsync(new byte[100_000], Ct);
        await client.Stream.ShutdownAsync();
        var answer = Encoding.ASCII.GetString(await client.ReadToEndAsync(Ct));

        Assert.Equal("got 100000 bytes", answer);
    }

    [Fact(Timeout = 30_000)]
    public async Task HalfClose_BackendStopsSending_ClientStillHeard()
    {
        var heard = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var backend = new TcpBackend(async socket =>
        {
            await socket.SendAsync("banner"u8.ToArray(), SocketFlags.None);
            socket.Shutdown(SocketShutdown.Send);
            var buffer = new byte[1024];
            var all = new StringBuilder();
            int read;
            while ((read = await socket.ReceiveAsync(buffer, SocketFlags.None)) > 0)
            {
                all.Append(Encoding.ASCII.GetString(buffer, 0, read));
            }

            if (all.Length > 0)
            {
                // The proxy's own backend check connects too, and says nothing.
                heard.TrySetResult(all.ToString());
            }
        });
        await using var proxy = new ProxyHarness();
        proxy.Service.Start();
        var port = KoiProcess.FreeTcpPort();
        await proxy.AddAsync("half", port, backend.Url);
        await using var client = await TlsClient.ConnectAsync(port, proxy.Pki.Ca, ct: Ct);

        var banner = Encoding.ASCII.GetString(await client.ReadToEndAsync(Ct));
        await client.Stream.WriteAsync("still talking"u8.ToArray(), Ct);
        await client.Stream.ShutdownAsync();

        Assert.Equal("banner", banner);
        Assert.Equal("still talking", await heard.Task.WaitAsync(TimeSpan.FromSeconds(10), Ct));
    }

    [Fact(Timeout = 30_000)]
    public async Task OpenConnection_BytesEachWayInTheTotals_KeptAfterItCloses()
    {
        await using var backend = TcpBackend.Echo();
        await using var proxy = new ProxyHarness();
        proxy.Service.Start();
        var port = KoiProcess.FreeTcpPort();
        await proxy.AddAsync("live", port, backend.Url);
        var client = await TlsClient.ConnectAsync(port, proxy.Pki.Ca, ct: Ct);
        await EchoAsync(client, "hello");
        await EchoAsync(client, "again!");

        // A direction counts its bytes once its send has returned, a moment after the client may have read them.
        await Eventually.TrueAsync(() => proxy.StatusOf("live").BytesOut == 11, "the answer's bytes to be counted");
        var open = proxy.StatusOf("live");
        Assert.Equal(1, open.ConnectionsOpen);
        Assert.Equal(11, open.BytesIn);

        await client.DisposeAsync();
        await Eventually.TrueAsync(() => proxy.StatusOf("live").ConnectionsOpen == 0, "the connection to close");
        var closed = proxy.StatusOf("live");
        Assert.Equal(11, closed.BytesIn);
        Assert.Equal(11, closed.BytesOut);
    }

    [Fact(Timeout = 30_000)]
    public async Task IdleConnection_ClosedAfterTheTimeout_ActivityResetsIt()
    {
        var time = new ManualTimeProvider(DateTimeOffset.UtcNow);
        var options = new ProxyOptions { IdleTimeout = TimeSpan.FromMinutes(5), BackendCheckInterval = TimeSpan.FromHours(1) };
        await using var backend = TcpBackend.Echo();
        await using var proxy = new ProxyHarness(options, time);
        proxy.Service.Start();
        var port = KoiProcess.FreeTcpPort();
        await proxy.AddAsync("idle", port, backend.Url);
        await using var client = await TlsClient.ConnectAsync(port, proxy.Pki.Ca, ct: Ct);
        await EchoAsync(client, "a");

        time.Advance(TimeSpan.FromMinutes(4));
        await EchoAsync(client, "b");
        time.Advance(TimeSpan.FromMinutes(4));
        await EchoAsync(client, "c");
        Assert.Equal(0, proxy.StatusOf("idle").IdleClosed);

        time.Advance(TimeSpan.FromMinutes(6.5));

        Assert.True(await client.ClosedWithinAsync(TimeSpan.FromSeconds(5), Ct));
        Assert.Equal(1, proxy.StatusOf("idle").IdleClosed);
        await Eventually.TrueAsync(() => proxy.StatusOf("idle").ConnectionsOpen == 0, "the idle connection to be gone");
    }

    [Fact(Timeout = 30_000)]
    public async Task DeadBackend_ClientClosedPromptly_FailureCountedAndVisible_ThenRecovers()
    {
        var backendPort = KoiProcess.FreeTcpPort();
        await using var proxy = new ProxyHarness();
        proxy.Service.Start();
        var port = KoiProcess.FreeTcpPort();
        await proxy.AddAsync("grafana", port, $"http://127.0.0.1:{backendPort}");
        await using (var client = await TlsClient.ConnectAsync(port, proxy.Pki.Ca, ct: Ct))
        {
            await client.Stream.WriteAsync("GET / HTTP/1.1\r\nHost: x\r\n\r\n"u8.ToArray(), Ct);
            var started = DateTime.UtcNow;

            Assert.True(await client.ClosedWithinAsync(TimeSpan.FromSeconds(2), Ct));
            Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(1), $"closed after {(DateTime.UtcNow - started).TotalMilliseconds:0} ms");
        }

        var status = proxy.StatusOf("grafana");
        Assert.Equal(1, status.BackendFailures);
        Assert.Equal("unreachable", status.BackendState);
        Assert.Contains("connection refused", status.BackendDetail, StringComparison.Ordinal);
        Assert.Contains("connection refused", status.LastError, StringComparison.Ordinal);
        Assert.Equal("listening", status.State);
        // The listener's own start-up check of the backend runs beside this connection; when it is the one that
        // marks the backend down, the component's summary is refreshed a moment after the client was closed.
        await Eventually.TrueAsync(() => proxy.Component.Reason == "1 listening, 1 backend unreachable", "the component to name the unreachable backend");
        Assert.Equal(ComponentState.Running, proxy.Component.State);
        var facts = Assert.Single(proxy.Service.Facts());
        Assert.False(facts.BackendReachable);
        Assert.Equal(1, facts.BackendFailures);
        Assert.Contains("connection refused", facts.Problem, StringComparison.Ordinal);

        using var revived = new TcpListener(IPAddress.Loopback, backendPort);
        revived.Start();
        await using var again = await TlsClient.ConnectAsync(port, proxy.Pki.Ca, ct: Ct);
        using var accepted = await revived.AcceptSocketAsync(Ct);
        await Eventually.TrueAsync(() => proxy.StatusOf("grafana").BackendState == "reachable", "the backend to count as reachable again");
        Assert.Equal("1 listening", proxy.Component.Reason);
    }

    [Fact(Timeout = 30_000)]
    public async Task BackendResetsMidStream_ClientConnectionEnds()
    {
        await using var backend = new TcpBackend(async socket =>
        {
            await socket.SendAsync("partial"u8.ToArray(), SocketFlags.None);
            socket.LingerState = new LingerOption(true, 0); // close with RST
            socket.Close();
        });
        await using var proxy = new ProxyHarness();
        proxy.Service.Start();
        var port = KoiProcess.FreeTcpPort();
        await proxy.AddAsync("reset", port, backend.Url);
        await using var client = await TlsClient.ConnectAsync(port, proxy.Pki.Ca, ct: Ct);

        Assert.True(await client.ClosedWithinAsync(TimeSpan.FromSeconds(5), Ct));
        await Eventually.TrueAsync(() => proxy.StatusOf("reset").ConnectionsOpen == 0, "the connection to be released");
    }

    [Fact(Timeout = 30_000)]
    public async Task ClientResets_BackendClosedAtOnce_NotJustHalfClosed()
    {
        // A reset reads as end of stream on the loop (no exception); it must still tear both sides down, not pass on
        // a FIN and wait for a backend that keeps its side open.
        var received = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var backend = new TcpBackend(async socket =>
        {
            var buffer = new byte[64];
            while (await socket.ReceiveAsync(buffer, SocketFlags.None) > 0)
            {
                received.TrySetResult();
            }

            await release.Task.WaitAsync(TimeSpan.FromSeconds(20));
        });
        await using var proxy = new ProxyHarness();
        proxy.Service.Start();
        var port = KoiProcess.FreeTcpPort();
        await proxy.AddAsync("reset", port, backend.Url);
        await using var client = await TlsClient.ConnectAsync(port, proxy.Pki.Ca, ct: Ct);
        await client.Stream.WriteAsync("hi"u8.ToArray(), Ct);
        await received.Task.WaitAsync(TimeSpan.FromSeconds(10), Ct);

        client.Socket.LingerState = new LingerOption(true, 0);
        client.Socket.Close();

        await Eventually.TrueAsync(() => proxy.StatusOf("reset").ConnectionsOpen == 0, "the connection to be torn down while the backend still holds its side", seconds: 5);
        release.TrySetResult();
    }

    [Fact(Timeout = 30_000)]
    public async Task PlainHttpClient_HandshakeFailureCounted_ListenerUnaffected()
    {
        await using var backend = TcpBackend.Echo();
        await using var proxy = new ProxyHarness();
        proxy.Service.Start();
        var port = KoiProcess.FreeTcpPort();
        await proxy.AddAsync("tls", port, backend.Url);
        await Eventually.TrueAsync(() => proxy.StatusOf("tls").BackendState == "reachable" && backend.Accepted == 1, "the first backend check");
        var probes = backend.Accepted;
        using (var plain = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp))
        {
            await plain.ConnectAsync(IPAddress.Loopback, port, Ct);
            await plain.SendAsync("GET / HTTP/1.1\r\n\r\n"u8.ToArray(), SocketFlags.None, Ct);
            var buffer = new byte[256];
            while (await plain.ReceiveAsync(buffer, SocketFlags.None, Ct) > 0)
            {
            }
        }

        await Eventually.TrueAsync(() => proxy.StatusOf("tls").HandshakeFailures == 1, "the failed handshake to be counted");
        Assert.Equal(probes, backend.Accepted); // never forwarded: the backend only sees connections after a handshake
        await using var client = await TlsClient.ConnectAsync(port, proxy.Pki.Ca, ct: Ct);
        await EchoAsync(client, "fine");
    }

    [Fact(Timeout = 30_000)]
    public async Task MaxConnections_ExtraClientsClosedAndCounted()
    {
        await using var backend = TcpBackend.Echo();
        await using var proxy = new ProxyHarness(new ProxyOptions { MaxConnectionsPerEntry = 2, BackendCheckInterval = TimeSpan.FromHours(1) });
        proxy.Service.Start();
        var port = KoiProcess.FreeTcpPort();
        await proxy.AddAsync("small", port, backend.Url);
        await using var first = await TlsClient.ConnectAsync(port, proxy.Pki.Ca, ct: Ct);
        await using var second = await TlsClient.ConnectAsync(port, proxy.Pki.Ca, ct: Ct);
        // A TLS 1.3 client finishes its handshake before the proxy has read its Finished; until then the connection is
        // still pre-handshake and may be evicted for a newcomer. One echo each proves both are established.
        await EchoAsync(first, "0");
        await EchoAsync(second, "0");

        await Assert.ThrowsAnyAsync<Exception>(async () => await (await TlsClient.ConnectAsync(port, proxy.Pki.Ca, ct: Ct)).DisposeAsync());

        Assert.Equal(1, proxy.StatusOf("small").Rejected);
        await EchoAsync(first, "1");
        await EchoAsync(second, "2");
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
