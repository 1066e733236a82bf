using System.Buffers;
using System.Net.Security;
using System.Net.Sockets;
using Koi.Proxy.Transport;

namespace Koi.Proxy.Pumping;

/// <summary>
/// Moves bytes both ways between a client's TLS stream and its backend socket until both directions have ended.
/// Nothing is parsed, logged or rewritten (seed 001 §7.2). Each direction owns one pooled buffer, so memory per
/// connection is bounded and a slow reader holds the other side back instead of queueing. End of stream in one
/// direction is passed on as a half-close (TCP FIN to the backend; close_notify and FIN to the client) while the other
/// direction goes on; an error in either tears both down. On Linux both sockets are on the proxy's own
/// <see cref="SocketLoop"/>, so a read that completes continues right there instead of hopping to the thread pool.
/// </summary>
internal static class DuplexPump
{
    public static Task RunAsync(SslStream client, LoopSocket backend, ProxyConnection connection, EntryCounters counters, int bufferSize) =>
        Task.WhenAll(
            ClientToBackendAsync(client, backend, connection, counters, bufferSize),
            BackendToClientAsync(client, backend, connection, counters, bufferSize));

    private static async Task ClientToBackendAsync(SslStream client, LoopSocket backend, ProxyConnection connection, EntryCounters counters, int bufferSize)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(bufferSize);
        try
        {
            while (true)
            {
                var read = await client.ReadAsync(buffer.AsMemory(0, bufferSize));
                if (read == 0)
                {
                    backend.ShutdownSend();
                    return;
                }

                connection.Touch();
                await backend.SendAsync(buffer.AsMemory(0, read));
                counters.AddIn(read);
            }
        }
        catch (Exception ex) when (IsConnectionFailure(ex))
        {
            connection.Abort();
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static async Task BackendToClientAsync(SslStream client, LoopSocket backend, ProxyConnection connection, EntryCounters counters, int bufferSize)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(bufferSize);
        try
        {
            while (true)
            {
                var read = await backend.ReceiveAsync(buffer.AsMemory(0, bufferSize));
                if (read == 0)
                {
                    await client.ShutdownAsync();
                    connection.Client.ShutdownSend();
                    return;
                }

                connection.Touch();
                await client.WriteAsync(buffer.AsMemory(0, read));
                counters.AddOut(read);
            }
        }
        catch (Exception ex) when (IsConnectionFailure(ex))
        {
            connection.Abort();
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    // A peer that resets, a socket closed under us by Abort (idle, removal, shutdown): the connection is over.
    private static bool IsConnectionFailure(Exception ex) =>
        ex is IOException or SocketException or ObjectDisposedException or OperationCanceledException or InvalidOperationException;
}
