using System.Buffers.Binary;
using System.Net.Sockets;

namespace Koi.Dns.Tests.Support;

/// <summary>Raw UDP and TCP DNS exchanges with a deadline, for tests on loopback.</summary>
internal static class DnsClient
{
    public static async Task<byte[]?> UdpAsync(IPEndPoint server, byte[] query, TimeSpan? timeout = null, IPAddress? from = null)
    {
        using var socket = new Socket(server.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        if (from is not null)
        {
            socket.Bind(new IPEndPoint(from, 0));
        }

        await socket.SendToAsync(query, server);
        var buffer = new byte[65535];
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(3));
        try
        {
            var result = await socket.ReceiveFromAsync(buffer, new IPEndPoint(server.Address, 0), cts.Token);
            return buffer.AsSpan(0, result.ReceivedBytes).ToArray();
        }
        catch (OperationCanceledException)
        {
            return null;
        }
    }

    public static async Task<DnsMessage> UdpMessageAsync(IPEndPoint server, byte[] query) =>
        DnsMessageReader.Read(await UdpAsync(server, query) ?? throw new TimeoutException("no UDP answer"));

    public static async Task<DnsMessage> TcpMessageAsync(IPEndPoint server, byte[] query)
    {
        using var socket = new Socket(server.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(server);
        var frame = new byte[query.Length + 2];
        BinaryPrimitives.WriteUInt16BigEndian(frame, (ushort)query.Length);
        query.CopyTo(frame, 2);
        await socket.SendAsync(frame);
        return DnsMessageReader.Read(await ReadFrameAsync(socket) ?? throw new EndOfStreamException());
    }

    public static async Task<byte[]?> ReadFrameAsync(Socket socket, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(5));
        var prefix = new byte[2];
        if (!await ReadExactlyAsync(socket, prefix, cts.Token))
        {
            return null;
        }

        var body = new byte[BinaryPrimitives.ReadUInt16BigEndian(prefix)];
        return await ReadExactlyAsync(socket, body, cts.Token) ? body : null;
    }

    private static async Task<bool> ReadExactlyAsync(Socket socket, Memory<byte> buffer, CancellationToken ct)
    {
        while (!buffer.IsEmpty)
        {
            var read = await socket.ReceiveAsync(buffer, SocketFlags.None, ct);
            if (read == 0)
            {
                return false;
            }

            buffer = buffer[read..];
        }

        return true;
    }
}
