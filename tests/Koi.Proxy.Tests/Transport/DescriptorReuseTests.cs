using Koi.Proxy.Transport;

namespace Koi.Proxy.Tests.Transport;

/// <summary>
/// Descriptor numbers the loops hold (docs/proxy.md, "What the proxy does"): the kernel hands a closed number to the next open at
/// once, so after a close — of a connection or of a loop's epoll — nothing may touch that number again.
/// </summary>
public sealed class DescriptorReuseTests : IDisposable
{
    private readonly SocketLoops _loops = new(1);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact(Timeout = 10_000)]
    public async Task Register_AfterTheLoopStopped_RefusedWithoutTouchingTheReusedDescriptorNumber()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux(), "epoll is Linux's");
        using var loops = new SocketLoops(1);
        var loop = loops.Next()!;
        var old = loop.Descriptor;
        loops.Dispose();

        // Once the loop's thread has closed its epoll descriptor, the kernel hands the same number to the next open:
        // here another epoll instance, as any file of the daemon could be.
        var other = await ReopenAsync(old);
        try
        {
            using var listener = Listen();
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            await socket.ConnectAsync(EndPoint(listener), Ct);
            var fd = (int)socket.SafeHandle.DangerousGetHandle();

            Assert.Throws<IOException>(() => loop.Register(null!, fd));
            Assert.Equal(0, Epoll.Add(other, fd, 1)); // not already in the other instance's watch list
        }
        finally
        {
            Epoll.Close(other);
        }
    }

    [Fact(Timeout = 20_000)]
    public async Task DisposeTwiceThenSend_NumberReusedByAnotherConnection_ThatConnectionUntouched()
    {
        // The loop drives descriptor numbers itself; the kernel hands a closed number to the next socket at once. A
        // second close, or a late send or shutdown through the old number, would land on another client's connection.
        Assert.SkipUnless(OperatingSystem.IsLinux(), "epoll is Linux's");
        using var listener = Listen();
        var socket = await LoopSockets.ConnectAsync(EndPoint(listener), _loops.Next(), Ct);
        using var peer = await listener.AcceptSocketAsync(Ct);
        var number = socket.Descriptor;
        socket.Dispose();

        using var other = await ReopenSocketAsync(number);
        await other.ConnectAsync(EndPoint(listener), Ct);
        using var otherPeer = await listener.AcceptSocketAsync(Ct);

        socket.Dispose();
        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await socket.SendAsync("late"u8.ToArray(), Ct));
        Assert.Throws<ObjectDisposedException>(socket.ShutdownSend);
        await Assert.ThrowsAnyAsync<ObjectDisposedException>(async () => await socket.ReceiveAsync(new byte[4], Ct));

        await other.SendAsync("mine"u8.ToArray(), SocketFlags.None, Ct);
        var buffer = new byte[16];
        Assert.Equal("mine", System.Text.Encoding.ASCII.GetString(buffer, 0, await otherPeer.ReceiveAsync(buffer, SocketFlags.None, Ct)));
        Assert.Equal(0, peer.Available);
    }

    public void Dispose() => _loops.Dispose();

    // Opens sockets until the kernel hands out descriptor number <paramref name="wanted"/>: another client's socket.
    private static async Task<Socket> ReopenSocketAsync(int wanted)
    {
        var held = new List<Socket>();
        try
        {
            var deadline = DateTime.UtcNow.AddSeconds(5);
            while (DateTime.UtcNow < deadline)
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                if ((int)socket.SafeHandle.DangerousGetHandle() == wanted)
                {
                    return socket;
                }

                // A lower free number came first: keep it taken so the next open goes higher.
                held.Add(socket);
                if (held.Count > 64)
                {
                    held.ForEach(h => h.Dispose());
                    held.Clear();
                    await Task.Delay(20, Ct);
                }
            }

            throw new TimeoutException($"descriptor {wanted} was not closed by Dispose");
        }
        finally
        {
            held.ForEach(h => h.Dispose());
        }
    }

    private static async Task<int> ReopenAsync(int wanted)
    {
        var held = new List<int>();
        try
        {
            var deadline = DateTime.UtcNow.AddSeconds(5);
            while (DateTime.UtcNow < deadline)
            {
                var fd = Epoll.Create();
                if (fd == wanted)
                {
                    return fd;
                }

                // A lower free number came first: keep it taken so the next open goes higher.
                held.Add(fd);
                if (held.Count > 64)
                {
                    foreach (var h in held)
                    {
                        Epoll.Close(h);
                    }

                    held.Clear();
                    await Task.Delay(20, Ct);
                }
            }

            throw new TimeoutException($"descriptor {wanted} was not freed by the stopped loop");
        }
        finally
        {
            foreach (var h in held)
            {
                Epoll.Close(h);
            }
        }
    }

    private static TcpListener Listen()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return listener;
    }

    private static IPEndPoint EndPoint(TcpListener listener) => (IPEndPoint)listener.LocalEndpoint;
}
