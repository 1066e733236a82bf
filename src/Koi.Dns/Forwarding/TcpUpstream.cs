using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Koi.Dns.Resolving;
using Koi.Dns.Transport;

namespace Koi.Dns.Forwarding;

/// <summary>One query over a fresh TCP connection: the retry when an upstream's UDP answer came back truncated.</summary>
internal static class TcpUpstream
{
    public static async Task<byte[]?> QueryAsync(
        IPEndPoint endpoint,
        ReadOnlyMemory<byte> query,
        int questionEnd,
        TimeSpan timeout,
        TimeProvider time,
        CancellationToken cancellationToken)
    {
        using var timer = new CancellationTokenSource(timeout, time);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timer.Token);
        using var socket = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(endpoint, deadline.Token);
            var id = QueryIds.Next();
            var frame = new byte[2 + query.Length];
            BinaryPrimitives.WriteUInt16BigEndian(frame, (ushort)query.Length);
            query.Span.CopyTo(frame.AsSpan(2));
            BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(2), id);
            await socket.SendAsync(frame, SocketFlags.None, deadline.Token);

            var buffer = new byte[TcpFraming.MaxFrame];
            var length = await TcpFraming.ReadFrameAsync(socket, buffer, deadline.Token);
            if (length < PacketInspection.HeaderSize)
            {
                return null;
            }

            var answer = buffer.AsSpan(0, length);
            return PacketInspection.Id(answer) == id && PacketInspection.AnswersQuestion(query.Span, questionEnd, answer)
                ? answer.ToArray()
                : null;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return null;
        }
        catch (Exception ex) when (ex is SocketException or IOException)
        {
            return null;
        }
    }
}
