using System.Buffers;
using System.Net.Security;
using System.Net.Sockets;
using Koi.Proxy.Transport;

namespace Koi.Proxy.Pumping;

/// <summary>
/// Moves bytes both ways between a client's TLS stream and its backend socket until both directions have ended.
/// Nothing is parsed, logged or rewritten. Each direction holds at most one pooled buffer, so memory
/// per connection is bounded and a slow reader holds the other side back instead of queueing; a direction with nothing
/// to read gives its buffer back and waits with a zero-byte read, so an idle connection holds none (docs/proxy.md). End of stream in one
/// direction is passed on as a half-close (TCP FIN to the backend; close_notify and FIN to the client) while the other
/// direction goes on; an error or a reset in either tears both down (on the loop a reset reads as end of stream with
/// <see cref="LoopSocket.Reset"/> set, not as an exception). On Linux both sockets are on the proxy's own
/// <see cref="SocketLoop"/>, so a read that completes continues right there instead of hopping to the thread pool.
/// </summary>
internal static class DuplexPump
{
    public static Task RunAsync(SslStream client, LoopSocket backend, ProxyConnection connection, EntryCounters counters, int bufferSize, ArrayPool<byte> pool) =>
        Task.WhenAll(
            ClientToBackendAsync(client, backend, connection, counters, bufferSize, pool),
            BackendToClientAsync(client, backend, connection, counters, bufferSize, pool));

    private static async Task ClientToBackendAsync(SslStream client, LoopSocket backend, ProxyConnection connection, EntryCounters counters, int bufferSize, ArrayPool<byte> pool)
    {
        byte[]? buffer = null;
        try
        {
            while (true)
            {
                if (buffer is null)
                {
                    // Nothing buffered: wait for the next record holding no buffer (SslStream's zero-byte read). It
                    // reads nothing, so there is no count to check.
#pragma warning disable CA2022
                    await client.ReadAsync(Memory<byte>.Empty);
#pragma warning restore CA2022
                    buffer = pool.Rent(bufferSize);
                }

                var read = await client.ReadAsync(buffer.AsMemory(0, bufferSize));
                if (read == 0)
                {
                    if (connection.Client.Reset)
                    {
                        connection.Abort();
                        return;
                    }

                    backend.ShutdownSend();
                    return;
                }

                connection.Touch();
                await backend.SendAsync(buffer.AsMemory(0, read));
                counters.AddIn(read);
                if (read < bufferSize)
                {
                    // Less than a full buffer: probably all there was. Give it back rather than hold it while idle.
                    pool.Return(buffer);
                    buffer = null;
                }
            }
        }
        catch (Exception ex) when (IsConnectionFailure(ex))
        {
            connection.Abort();
        }
        finally
        {
            if (buffer is not null)
            {
                pool.Return(buffer);
            }
        }
    }

    private static async Task BackendToClientAsync(SslStream client, LoopSocket backend, ProxyConnection connection, EntryCounters counters, int bufferSize, ArrayPool<byte> pool)
    {
        byte[]? buffer = null;
        try
        {
            while (true)
            {
                if (buffer is null)
                {
                    await backend.WaitReadableAsync(default);
                    buffer = pool.Rent(bufferSize);
                }

                var read = await backend.ReceiveAsync(buffer.AsMemory(0, bufferSize));
                if (read == 0)
                {
                    if (backend.Reset)
                    {
                        // Not a close_notify: to the client that would look like a complete response.
                        connection.Abort();
                        return;
                    }

                    await client.ShutdownAsync();
                    connection.Client.ShutdownSend();
                    return;
                }

                connection.Touch();
                await client.WriteAsync(buffer.AsMemory(0, read));
                counters.AddOut(read);
                if (read < bufferSize)
                {
                    pool.Return(buffer);
                    buffer = null;
                }
            }
        }
        catch (Exception ex) when (IsConnectionFailure(ex))
        {
            connection.Abort();
        }
        finally
        {
            if (buffer is not null)
            {
                pool.Return(buffer);
            }
        }
    }

    // A peer that resets, a socket closed under us by Abort (idle, removal, shutdown): the connection is over.
    private static bool IsConnectionFailure(Exception ex) =>
        ex is IOException or SocketException or ObjectDisposedException or OperationCanceledException or InvalidOperationException;
}
