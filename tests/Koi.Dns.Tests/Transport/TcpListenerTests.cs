using System.Buffers.Binary;
using System.Net.Sockets;
using Koi.Dns.Tests.Support;

namespace Koi.Dns.Tests.Transport;

/// <summary>DNS over TCP against the real listener on loopback, including peers that break the framing.</summary>
public sealed class TcpListenerTests : IAsyncLifetime
{
    private DnsTestServer _server = null!;

    public async ValueTask InitializeAsync()
    {
        _server = await DnsTestServer.StartAsync(options: new DnsCapabilityOptions
        {
            UdpReceiveLoops = 2,
            TcpIdleTimeout = TimeSpan.FromMilliseconds(500),
            MaxTcpConnections = 4,
        });
        await _server.Service.AddEntryAsync(new Api.EntryRequest("nas", "192.168.1.20"), TestContext.Current.CancellationToken);
    }

    public async ValueTask DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public void Bind_PortKoiAlreadyListensOn_SecondProgramRefused()
    {
        // SO_REUSEPORT would let another program share port 53 with koi and take part of the connections.
        using var intruder = new Socket(_server.Endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        intruder.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);

        var error = Assert.Throws<SocketException>(() => intruder.Bind(_server.Endpoint));

        Assert.Equal(SocketError.AddressAlreadyInUse, error.SocketErrorCode);
    }

    [Fact]
    public async Task Tcp_OneQuery_Answered()
    {
        var answer = await DnsClient.TcpMessageAsync(_server.Endpoint, Queries.Build("nas.lan", DnsType.A));

        Assert.Equal(["192.168.1.20"], Queries.Values(answer, DnsType.A));
    }

    [Fact]
    public async Task Tcp_TwoQueriesInOneWrite_BothAnsweredInOrder()
    {
        using var socket = await ConnectAsync();
        var first = Frame(Queries.Build("nas.lan", DnsType.A, id: 1));
        var second = Frame(Queries.Build("nothing.lan", DnsType.A, id: 2));

        await socket.SendAsync(first.Concat(second).ToArray());

        Assert.Equal(1, DnsMessageReader.Read(await DnsClient.ReadFrameAsync(socket)).Header.Id);
        var two = DnsMessageReader.Read(await DnsClient.ReadFrameAsync(socket));
        Assert.Equal(2, two.Header.Id);
        Assert.Equal(DnsResponseCode.NameError, two.Header.ResponseCode);
    }

    [Fact]
    public async Task Tcp_FrameSentOneByteAtATime_Answered()
    {
        using var socket = await ConnectAsync();
        foreach (var b in Frame(Queries.Build("nas.lan", DnsType.A)))
        {
            await socket.SendAsync(new[] { b });
            await Task.Delay(2, TestContext.Current.CancellationToken);
        }

        Assert.Equal(["192.168.1.20"], Queries.Values(DnsMessageReader.Read(await DnsClient.ReadFrameAsync(socket)), DnsType.A));
    }

    [Fact]
    public async Task Tcp_PrefixLargerThanData_ConnectionClosedAfterIdleTimeout()
    {
        using var socket = await ConnectAsync();
        var frame = Frame(Queries.Build("nas.lan", DnsType.A));
        BinaryPrimitives.WriteUInt16BigEndian(frame, 0xFFFF); // announces 64 KiB - 1, sends 30 bytes

        await socket.SendAsync(frame);

        Assert.Null(await DnsClient.ReadFrameAsync(socket, TimeSpan.FromSeconds(5)));
        await AssertStillServesAsync();
    }

    [Fact]
    public async Task Tcp_PeerClosesMidFrame_ListenerGoesOn()
    {
        using (var socket = await ConnectAsync())
        {
            await socket.SendAsync(new byte[] { 0x00, 0x40, 0x12, 0x34 });
        }

        await AssertStillServesAsync();
    }

    [Fact]
    public async Task Tcp_ZeroLengthFrame_Closed()
    {
        using var socket = await ConnectAsync();

        await socket.SendAsync(new byte[] { 0, 0 });

        Assert.Null(await DnsClient.ReadFrameAsync(socket));
    }

    [Fact]
    public async Task Tcp_GarbageFrame_FormErrThenNextQueryAnswered()
    {
        using var socket = await ConnectAsync();
        var garbage = new byte[40];
        new Random(3).NextBytes(garbage);
        garbage[2] = 0x01; // a query header with lying counts
        garbage[4] = 0xFF;

        await socket.SendAsync(Frame(garbage).Concat(Frame(Queries.Build("nas.lan", DnsType.A, id: 9))).ToArray());

        Assert.Equal(DnsResponseCode.FormatError, DnsMessageReader.Read(await DnsClient.ReadFrameAsync(socket)).Header.ResponseCode);
        Assert.Equal(9, DnsMessageReader.Read(await DnsClient.ReadFrameAsync(socket)).Header.Id);
    }

    [Fact]
    public async Task Tcp_MoreConnectionsThanAllowed_ExtraClosedOthersServed()
    {
        // Its own server, whose idle timeout cannot close the four held connections while the fifth arrives: with the
        // class's 500 ms, a slow moment between them freed a slot and the fifth was served.
        await using var server = await DnsTestServer.StartAsync(options: new DnsCapabilityOptions
        {
            UdpReceiveLoops = 2,
            TcpIdleTimeout = TimeSpan.FromSeconds(60),
            MaxTcpConnections = 4,
        });
        await server.Service.AddEntryAsync(new Api.EntryRequest("nas", "192.168.1.20"), TestContext.Current.CancellationToken);
        var idle = new List<Socket>();
        try
        {
            for (var i = 0; i < 4; i++)
            {
                idle.Add(await ConnectAsync(server));
            }

            await Task.Delay(100, TestContext.Current.CancellationToken);
            using var extra = await ConnectAsync(server);
            await extra.SendAsync(Frame(Queries.Build("nas.lan", DnsType.A)));
            Assert.Null(await DnsClient.ReadFrameAsync(extra));
        }
        finally
        {
            idle.ForEach(s => s.Dispose());
        }

        // The server notices the four closes in its own time; until then a new client is one too many.
        var answer = await Poll.UntilAsync(
            () => TryQueryAsync(server),
            a => a is not null);
        Assert.Equal(["192.168.1.20"], Queries.Values(answer ?? throw new TimeoutException("not served again within 5 s after the held connections closed"), DnsType.A));
    }

    private static async Task<DnsMessage?> TryQueryAsync(DnsTestServer server)
    {
        try
        {
            return await DnsClient.TcpMessageAsync(server.Endpoint, Queries.Build("nas.lan", DnsType.A));
        }
        catch (Exception ex) when (ex is EndOfStreamException or SocketException)
        {
            return null;
        }
    }

    private static async Task<Socket> ConnectAsync(DnsTestServer server)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(server.Endpoint);
        return socket;
    }

    private async Task AssertStillServesAsync()
    {
        var answer = await DnsClient.TcpMessageAsync(_server.Endpoint, Queries.Build("nas.lan", DnsType.A));
        Assert.Equal(["192.168.1.20"], Queries.Values(answer, DnsType.A));
    }

    private async Task<Socket> ConnectAsync()
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(_server.Endpoint);
        return socket;
    }

    private static byte[] Frame(byte[] message)
    {
        var frame = new byte[message.Length + 2];
        BinaryPrimitives.WriteUInt16BigEndian(frame, (ushort)message.Length);
        message.CopyTo(frame, 2);
        return frame;
    }
}
