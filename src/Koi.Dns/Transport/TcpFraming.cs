using System.Buffers.Binary;
using System.Net.Sockets;

namespace Koi.Dns.Transport;

/// <summary>
/// DNS over TCP (RFC 7766 §8): each message is preceded by its length in two bytes. A frame is read whole or not at
/// all: a peer that announces more than it sends is cut off by the caller's deadline, and one that closes mid-frame
/// gets <see cref="EndOfStreamException"/>.
/// </summary>
internal static class TcpFraming
{
    /// <summary>The largest length two bytes can announce; a buffer this big takes any frame.</summary>
    public const int MaxFrame = ushort.MaxValue;

    /// <summary>
    /// Reads one frame into <paramref name="buffer"/> (at least <see cref="MaxFrame"/> bytes) and returns its length;
    /// -1 when the peer closed cleanly between frames; 0 for a zero-length frame, which carries no message.
    /// </summary>
    public static async ValueTask<int> ReadFrameAsync(Socket socket, Memory<byte> buffer, CancellationToken cancellationToken)
    {
        if (buffer.Length < MaxFrame)
        {
            throw new ArgumentException($"The buffer must hold {MaxFrame} bytes.", nameof(buffer));
        }

        var prefix = buffer[..2];
        var first = await socket.ReceiveAsync(prefix, SocketFlags.None, cancellationToken);
        if (first == 0)
        {
            return -1;
        }

        if (first == 1)
        {
            await ReadExactlyAsync(socket, prefix[1..], cancellationToken);
        }

        var length = BinaryPrimitives.ReadUInt16BigEndian(prefix.Span);
        await ReadExactlyAsync(socket, buffer[..length], cancellationToken);
        return length;
    }

    /// <summary>The message with its length prefix, ready for one send.</summary>
    public static int Frame(ReadOnlySpan<byte> message, Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt16BigEndian(destination, (ushort)message.Length);
        message.CopyTo(destination[2..]);
        return message.Length + 2;
    }

    private static async ValueTask ReadExactlyAsync(Socket socket, Memory<byte> buffer, CancellationToken cancellationToken)
    {
        while (!buffer.IsEmpty)
        {
            var read = await socket.ReceiveAsync(buffer, SocketFlags.None, cancellationToken);
            if (read == 0)
            {
                throw new EndOfStreamException("The peer closed the connection inside a DNS frame.");
            }

            buffer = buffer[read..];
        }
    }
}
