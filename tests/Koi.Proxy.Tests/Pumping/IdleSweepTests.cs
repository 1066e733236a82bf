using System.Net;
using System.Net.Sockets;
using Koi.Proxy.Pumping;
using Koi.Proxy.Tests.Support;
using Koi.Proxy.Transport;

namespace Koi.Proxy.Tests.Pumping;

/// <summary>
/// The idle sweep counts each connection it closes once (<c>idle_closed</c> in status). A connection it aborted stays
/// in the entry's list until its serving task has seen its sockets close and removed it; sweeps in that window, or a
/// connection that ended on its own and is still listed, must not be counted again.
/// </summary>
public sealed class IdleSweepTests : IAsyncDisposable
{
    private static readonly TimeSpan IdleTimeout = TimeSpan.FromMinutes(5);
    private readonly ManualTimeProvider _time = new();
    private readonly EntryCounters _counters = new();
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly List<IDisposable> _sockets = [];

    public IdleSweepTests() => _listener.Start();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact(Timeout = 10_000)]
    public async Task Sweep_AbortedConnectionStillListed_CountedOnce()
    {
        using var tracker = new ConnectionTracker(IdleTimeout, _counters, _time);
        var connection = await ConnectionAsync();
        tracker.Add(connection);

        // The tracker's own timer sweeps every quarter of the timeout: at 5 min the connection is idle for 5 min.
        _time.Advance(IdleTimeout);
        Assert.True(connection.Aborted);
        Assert.Equal(1, _counters.IdleClosed);

        // Its serving task has not removed it yet: the next timer sweep and a manual one find it listed and idle.
        _time.Advance(IdleTimeout / 4);
        var again = tracker.Sweep();

        Assert.Equal(0, again);
        Assert.Equal(1, _counters.IdleClosed);
    }

    [Fact(Timeout = 10_000)]
    public async Task Sweep_ConnectionEndedOnItsOwnStillListed_NotCountedAsIdle()
    {
        using var tracker = new ConnectionTracker(IdleTimeout, _counters, _time);
        var connection = await ConnectionAsync();
        tracker.Add(connection);
        _time.Advance(IdleTimeout - TimeSpan.FromSeconds(1));

        // The client closed after a long pause; its serving task tears it down (abort, then remove) as the sweep runs.
        connection.Abort();
        _time.Advance(TimeSpan.FromSeconds(1));
        var swept = tracker.Sweep();

        Assert.Equal(0, swept);
        Assert.Equal(0, _counters.IdleClosed);
    }

    [Fact(Timeout = 30_000)]
    public async Task SweepIdle_RightAfterTheTimersSweep_ClosedAndCountedOnce()
    {
        var options = new ProxyOptions { IdleTimeout = IdleTimeout, BackendCheckInterval = TimeSpan.FromHours(1) };
        await using var backend = TcpBackend.Echo();
        await using var proxy = new ProxyHarness(options, _time);
        proxy.Service.Start();
        var port = KoiProcess.FreeTcpPort();
        await proxy.AddAsync("idle", port, backend.Url);
        await using var client = await TlsClient.ConnectAsync(port, proxy.Pki.Ca, ct: Ct);
        await client.Stream.WriteAsync("a"u8.ToArray(), Ct);
        Assert.Equal((byte)'a', await ReadByteAsync(client));
        var entry = proxy.Service.Find("idle")!;

        // The tracker's timer closes the connection; a sweep straight after it (status asks, another timer tick)
        // finds it still listed while its serving task winds down.
        _time.Advance(IdleTimeout + TimeSpan.FromSeconds(1));
        var second = entry.SweepIdle();

        Assert.True(await client.ClosedWithinAsync(TimeSpan.FromSeconds(5), Ct));
        await Eventually.TrueAsync(() => proxy.StatusOf("idle").ConnectionsOpen == 0, "the idle connection to be gone");
        Assert.Equal(0, second);
        Assert.Equal(1, proxy.StatusOf("idle").IdleClosed);
    }

    public async ValueTask DisposeAsync()
    {
        _sockets.ForEach(s => s.Dispose());
        _listener.Stop();
        _listener.Dispose();
        await Task.CompletedTask;
    }

    private static async Task<int> ReadByteAsync(TlsClient client)
    {
        var one = new byte[1];
        var read = await client.Stream.ReadAsync(one, Ct);
        return read == 1 ? one[0] : -1;
    }

    /// <summary>A real connected socket on 127.0.0.1, as the proxy holds a client, and its peer kept open.</summary>
    private async Task<ProxyConnection> ConnectionAsync()
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync((IPEndPoint)_listener.LocalEndpoint, Ct);
        var peer = await _listener.AcceptSocketAsync(Ct);
        _sockets.Add(peer);
        var client = LoopSockets.Attach(socket, loop: null);
        _sockets.Add(client);
        return new ProxyConnection(client, _time);
    }
}
