using System.Buffers.Binary;
using System.Net.Sockets;
using Koi.Dns.Tests.Support;

namespace Koi.Dns.Tests.Transport;

/// <summary>
/// Clients that try to wedge DNS over TCP (docs/security.md): real sockets on loopback, 127.0.0.x standing for separate
/// machines; every load bounded in count and time.
/// </summary>
public sealed class TcpAbuseTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact(Timeout = 60_000)]
    public async Task Tcp_OneClientHoldsManyConnections_OtherClientStillServed()
    {
        // The listener's budget is above one client's share (16 by default), as 256 is in the daemon.
        await using var server = await DnsTestServer.StartAsync(options: new DnsCapabilityOptions { UdpReceiveLoops = 2, MaxTcpConnections = 40, TcpIdleTimeout = TimeSpan.FromSeconds(30) });
        await server.Service.AddEntryAsync(new Api.EntryRequest("nas", "192.168.1.20"), Ct);
        var held = new List<Socket>();
        try
        {
            for (var i = 0; i < 45; i++)
            {
                held.Add(await ConnectAsync(server.Endpoint, IPAddress.Loopback));
            }

            await Task.Delay(300, Ct);
            using var other = await ConnectAsync(server.Endpoint, IPAddress.Parse("127.0.0.2"));
            await other.SendAsync(Frame(Queries.Build("nas.lan", DnsType.A, id: 77)), SocketFlags.None, Ct);
            var answer = await DnsClient.ReadFrameAsync(other);

            Assert.NotNull(answer);
            Assert.Equal(["192.168.1.20"], Queries.Values(DnsMessageReader.Read(answer), DnsType.A));
        }
        finally
        {
            held.ForEach(s => s.Dispose());
        }
    }

    [Fact(Timeout = 90_000)]
    public async Task Tcp_ClientSendsQueriesButNeverReads_ConnectionClosedAfterTheSendDeadline()
    {
        // A long idle timeout: only the send deadline (5 s by default) can end this connection.
        await using var server = await DnsTestServer.StartAsync(options: new DnsCapabilityOptions { UdpReceiveLoops = 2, TcpIdleTimeout = TimeSpan.FromSeconds(120) });
        await server.Service.AddEntryAsync(new Api.EntryRequest("nas", "192.168.1.20"), Ct);
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 4096, SendBufferSize = 4096 };
        await client.ConnectAsync(server.Endpoint, Ct);

        // Queries until the pipe is full both ways (koi blocked sending answers nobody reads), at most 1,000,000 (about 27 MB).
        var frame = Frame(Queries.Build("nas.lan", DnsType.A, id: 1));
        var batch = Enumerable.Repeat(frame, 1000).SelectMany(f => f).ToArray();
        var sent = 0;
        client.SendTimeout = 2000;
        try
        {
            while (sent < 1_000_000)
            {
                client.Send(batch);
                sent += 1000;
            }
        }
        catch (SocketException ex) when (ex.SocketErrorCode is SocketError.TimedOut or SocketError.WouldBlock)
        {
            // Full: koi has stopped reading because its answers are stuck.
        }

        Assert.True(sent < 1_000_000, "the pipe never filled; the test proves nothing");
        await Task.Delay(TimeSpan.FromSeconds(8), Ct);

        // Now read: what koi had already sent arrives, then the connection must end (FIN or reset) well before the
        // idle timeout. A wedged server would instead go on answering everything it was sent.
        var answers = 0;
        var ended = false;
        try
        {
            while (await DnsClient.ReadFrameAsync(client, TimeSpan.FromSeconds(3)) is not null)
            {
                answers++;
            }

            ended = true;
        }
        catch (SocketException)
        {
            ended = true;
        }
        catch (OperationCanceledException) when (!Ct.IsCancellationRequested)
        {
            // Nothing more for 3 s and no end: the connection is still held open.
        }

        Assert.True(ended);
        Assert.True(answers < sent, $"all {sent} queries were answered: the stuck connection was never closed");
    }

    private static async Task<Socket> ConnectAsync(IPEndPoint server, IPAddress from)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(from, 0));
        await socket.ConnectAsync(server, Ct);
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
