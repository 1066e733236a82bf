using System.Collections.Concurrent;
using Koi.Proxy.Tests.Support;
using Koi.Proxy.Transport;

namespace Koi.Proxy.Tests.Transport;

/// <summary>Accepting on the proxy's own epoll loops, with real sockets on 127.0.0.1.</summary>
public sealed class LoopAcceptorTests : IDisposable
{
    private readonly SocketLoops _loops = new(2);
    private readonly Socket _listener = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);

    public LoopAcceptorTests()
    {
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _listener.Listen(64);
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact(Timeout = 20_000)]
    public async Task Start_OnTwoLoops_EveryClientHandedOnTheThreadOfTheLoopThatAcceptedIt()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux(), "epoll is Linux's");
        var handed = new ConcurrentQueue<(string? Thread, string Loop)>();
        var acceptors = _loops.Live().Select(loop => LoopAcceptor.Start(_listener, loop, client =>
        {
            handed.Enqueue((Thread.CurrentThread.Name, client.Loop!.Name));
            client.Dispose();
        }, _ => { }, TimeProvider.System)).ToList();

        for (var i = 0; i < 30; i++)
        {
            using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            await client.ConnectAsync(_listener.LocalEndPoint!, Ct);
        }

        await Eventually.TrueAsync(() => handed.Count == 30, "30 clients accepted");
        Assert.All(handed, h => Assert.Equal(h.Loop, h.Thread));
        acceptors.ForEach(a => a.Stop());
        Assert.All(await Task.WhenAll(acceptors.Select(a => a.Ended)), Assert.Null);
    }

    [Fact(Timeout = 10_000)]
    public async Task Start_ClientConnects_HandedWatchedWithTheAddressAcceptGave_CarriesBytes()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux(), "epoll is Linux's");
        var handed = new TaskCompletionSource<LoopSocket>(TaskCreationOptions.RunContinuationsAsynchronously);
        var acceptor = LoopAcceptor.Start(_listener, _loops.Next()!, client => handed.TrySetResult(client), _ => { }, TimeProvider.System);
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await client.ConnectAsync(_listener.LocalEndPoint!, Ct);

        using var accepted = await handed.Task.WaitAsync(Ct);
        await client.SendAsync("hello"u8.ToArray(), SocketFlags.None, Ct);
        var buffer = new byte[16];

        Assert.Equal(client.LocalEndPoint, accepted.RemoteEndPoint);
        Assert.True(accepted.OnLoop);
        Assert.Equal(5, await accepted.ReceiveAsync(buffer, Ct));
        await accepted.SendAsync("back"u8.ToArray(), Ct);
        Assert.Equal(4, await client.ReceiveAsync(buffer, SocketFlags.None, Ct));
        acceptor.Stop();
        Assert.Null(await acceptor.Ended);
    }

    [Fact(Timeout = 10_000)]
    public async Task LoopStops_EndedSaysWhichLoop_AndTheDescriptorIsLetGo()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux(), "epoll is Linux's");
        var loop = _loops.Next()!;
        var acceptor = LoopAcceptor.Start(_listener, loop, client => client.Dispose(), _ => { }, TimeProvider.System);

        FileDescriptors.ReplaceWithDevNull(loop.Descriptor);

        Assert.Equal("koi proxy loop 1 stopped", await acceptor.Ended);
        var port = ((IPEndPoint)_listener.LocalEndPoint!).Port;
        _listener.Dispose();

        // Only a closed descriptor frees the port: the acceptor held no reference past its end.
        using var again = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        again.Bind(new IPEndPoint(IPAddress.Loopback, port));
        again.Listen(1);
    }

    public void Dispose()
    {
        _listener.Dispose();
        _loops.Dispose();
    }
}
