using System.Net;
using System.Net.Sockets;

namespace Koi.Proxy.Transport;

/// <summary>
/// How a <see cref="LoopSocket"/> comes to be: a client accepted by .NET's engine taken over, a descriptor the loop
/// accepted adopted, or a backend connection made on the loop. Each closes what it opened when it fails, so a caller
/// gets a working socket or an exception and nothing to clean up.
/// </summary>
internal static class LoopSockets
{
    /// <summary>Takes over an accepted socket (Nagle off; non-blocking and watched when there is a loop).</summary>
    public static LoopSocket Attach(Socket socket, SocketLoop? loop)
    {
        var attached = new LoopSocket(socket, loop);
        try
        {
            attached.Watch();
            return attached;
        }
        catch
        {
            attached.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Takes over <paramref name="fd"/>, a client <paramref name="loop"/> accepted (non-blocking already: accept4's
    /// flag), from <paramref name="peer"/>: Nagle off, watched by the loop. The descriptor is closed on failure and by
    /// <see cref="LoopSocket.Dispose"/>, by nothing else.
    /// </summary>
    public static LoopSocket Adopt(int fd, IPEndPoint? peer, SocketLoop loop)
    {
        var adopted = new LoopSocket(new SocketDescriptor(fd), peer, loop);
        try
        {
            NativeSocket.SetNoDelay(adopted.Handle);
            adopted.Watch();

            // Not marked drained: when the ClientHello is there already (FIONREAD, one syscall), the handshake starts
            // right here on the accepting pass instead of one epoll_wait later (docs/performance.md, "Proxy": skipping
            // the FIONREAD saved nothing measurable).
            return adopted;
        }
        catch
        {
            adopted.Dispose();
            throw;
        }
    }

    /// <summary>A connected socket (Nagle off), or the connect's <see cref="SocketException"/>; <paramref name="ct"/> bounds the wait.</summary>
    public static async ValueTask<LoopSocket> ConnectAsync(IPEndPoint endpoint, SocketLoop? loop, CancellationToken ct)
    {
        if (loop is not { Alive: true })
        {
            var unwatched = new LoopSocket(new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp), null);
            try
            {
                await unwatched.DotNetSocket!.ConnectAsync(endpoint, ct);
                return unwatched;
            }
            catch
            {
                unwatched.Dispose();
                throw;
            }
        }

        // socket(2) non-blocking and close-on-exec at once, Nagle off, connect(2): three syscalls before the wait.
        var connecting = new LoopSocket(NativeSocket.Open(endpoint.AddressFamily), endpoint, loop);
        try
        {
            NativeSocket.SetNoDelay(connecting.Handle);
            var started = NativeSocket.StartConnect(connecting.Handle, endpoint);
            if (started is not (SocketError.Success or SocketError.InProgress))
            {
                throw new SocketException((int)started);
            }

            // Under way (or made). Watched only now: epoll then reports writable once the connection is made or has
            // failed. Whatever the backend sends raises a readable edge, bytes there when the watch began included
            // (epoll_ctl reports a descriptor that is ready when added), so the first read waits for that edge
            // instead of asking the kernel first (FIONREAD).
            connecting.WatchDrained();
            if (started == SocketError.InProgress)
            {
                await connecting.WaitWritableAsync(ct);
                var error = NativeSocket.ConnectResult(connecting.Handle);
                if (error != SocketError.Success)
                {
                    throw new SocketException((int)error);
                }
            }

            return connecting;
        }
        catch
        {
            connecting.Dispose();
            throw;
        }
    }
}
