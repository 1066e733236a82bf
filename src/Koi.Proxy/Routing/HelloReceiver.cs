using Koi.Core.Net;

namespace Koi.Proxy.Routing;

/// <summary>Reads a client's ClientHello off a proxy socket, before anything is answered.</summary>
internal static class HelloReceiver
{
    /// <summary>
    /// Reads from <paramref name="client"/> into <paramref name="buffer"/> (at least <see cref="ClientHello.MaxRecord"/> long) until
    /// <see cref="ClientHello.Read"/> has enough to answer; the bytes read, or 0 when the client closed first.
    /// </summary>
    public static async ValueTask<int> ReceiveAsync(Transport.LoopSocket client, byte[] buffer, CancellationToken ct)
    {
        var length = 0;
        while (ClientHello.Read(buffer.AsSpan(0, length), out _, out _) == ClientHelloResult.NeedMore)
        {
            var read = await client.ReceiveAsync(buffer.AsMemory(length, ClientHello.MaxRecord - length), ct);
            if (read == 0)
            {
                return 0;
            }

            length += read;
        }

        return length;
    }
}
