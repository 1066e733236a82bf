using System.Net;
using System.Net.Sockets;
using Koi.Core.Net;
using Koi.Proxy.Entries;
using Koi.Proxy.Listening;
using Koi.Proxy.Transport;
using Microsoft.Extensions.Logging;

namespace Koi.Proxy.Routing;

/// <summary>
/// One listening socket and the entries behind it. It binds once any of its entries has a certificate, accepts, and
/// hands each client to its entry: the only entry at once, or — on a port shared by several — the entry whose name the
/// ClientHello asks for (<see cref="PortRoutes"/>). A client asking for a name no entry serves, or for none, is sent a
/// TLS alert (RFC 8446 §6.2) and closed: it never reaches another entry's backend. Bind failures and a dead accept
/// loop are reported to every entry of the port and retried every <see cref="ProxyOptions.BindRetry"/>.
/// </summary>
internal sealed partial class PortListener : IAsyncDisposable
{
    // Plaintext alert records (no keys exist before the ServerHello): fatal unrecognized_name (112, RFC 6066 §3) for a
    // name no entry serves, fatal handshake_failure (40) for a ClientHello without a name or one that cannot be read.
    private static readonly byte[] UnrecognizedName = [21, 3, 3, 0, 2, 2, 112];

    private readonly SocketLoops _loops;
    private readonly ProxyOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Lock _gate = new();
    private PortRoutes _routes = PortRoutes.Empty;
    private (ListenerState State, string? Detail) _state = (ListenerState.Starting, null);
    private Socket? _socket;
    private Task _run = Task.CompletedTask;
    private TaskCompletionSource _wake = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _routing;
    private long _unrouted;

    /// <param name="bound">A socket already bound by <c>add</c>, or null to bind here.</param>
    public PortListener(ProxyEntry first, Socket? bound, SocketLoops loops, ProxyOptions options, TimeProvider time, ILogger logger)
    {
        ListenAddress = first.ListenAddress;
        ListenPort = first.ListenPort;
        ListenText = first.ListenText;
        EndPoint = first.ListenEndPoint;
        _socket = bound;
        _loops = loops;
        _options = options;
        _time = time;
        _logger = logger;
    }

    public string? ListenAddress { get; }

    public int ListenPort { get; }

    public string ListenText { get; }

    public IPEndPoint EndPoint { get; }

    public PortRoutes Routes => Volatile.Read(ref _routes);

    /// <summary>Clients closed with an alert because no entry of this shared port serves the name they asked for.</summary>
    public long Unrouted => Interlocked.Read(ref _unrouted);

    /// <summary>True when <paramref name="entry"/> would listen on exactly this socket (same address, same port).</summary>
    public bool Serves(ProxyEntry entry) => entry.ListenPort == ListenPort && entry.ListenAddress == ListenAddress;

    public void Start() => _run = Task.Run(RunAsync);

    public void Add(ProxyListener entry)
    {
        (ListenerState State, string? Detail) state;
        lock (_gate)
        {
            Volatile.Write(ref _routes, _routes.With(entry));
            state = _state;
        }

        entry.Port = this;
        entry.OnPort(state.State, state.Detail);
        Wake();
    }

    /// <summary>Takes <paramref name="entry"/> off the port; its open connections are its own to close. True when none is left.</summary>
    public bool Remove(ProxyListener entry)
    {
        lock (_gate)
        {
            Volatile.Write(ref _routes, _routes.Without(entry));
            return _routes.Entries.Count == 0;
        }
    }

    /// <summary>A certificate arrived or an entry joined: a port waiting for one tries again now.</summary>
    public void Wake() =>
        Interlocked.Exchange(ref _wake, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();

    public async ValueTask DisposeAsync()
    {
        if (_stopping.IsCancellationRequested)
        {
            return;
        }

        await _stopping.CancelAsync();
        CloseSocket();
        try
        {
            await _run;
        }
        catch (OperationCanceledException)
        {
        }

        _stopping.Dispose();
    }

    private async Task RunAsync()
    {
        var token = _stopping.Token;
        while (!token.IsCancellationRequested)
        {
            try
            {
                await RunOnceAsync(token);
            }
            catch (Exception ex) when (!token.IsCancellationRequested)
            {
                // Not expected (a bug): the entries show it as failed and the port tries again, rather than its task
                // ending with the status frozen at "listening".
                CloseSocket();
                Report(ListenerState.Failed, $"listener failed unexpectedly: {ex.GetType().Name}: {ex.Message}");
                LogPortLoopFailed(_logger, ListenText, ex);
                await PauseAsync(token);
            }
        }
    }

    /// <summary>One round: wait for a certificate, bind, accept until that ends (or pause after a failure).</summary>
    private async Task RunOnceAsync(CancellationToken token)
    {
        if (!Routes.Entries.Any(e => e.Certificates.Current is not null))
        {
            // Each entry says which certificate it lacks.
            CloseSocket();
            Report(ListenerState.Failed, null);
            await PauseAsync(token);
            return;
        }

        Socket? socket;
        lock (_gate)
        {
            socket = _socket;
        }

        if (socket is null)
        {
            try
            {
                socket = ListenSocket.Bind(EndPoint);
            }
            catch (SocketException ex)
            {
                Report(ListenerState.Failed, ListenSocket.Describe(ex, ListenText));
                await PauseAsync(token);
                return;
            }

            lock (_gate)
            {
                _socket = socket;
            }
        }

        Report(ListenerState.Listening, null);
        var failure = await AcceptLoopAsync(socket, token);
        CloseSocket();
        if (failure is not null)
        {
            Report(ListenerState.Failed, failure);
            await PauseAsync(token);
        }
    }

    /// <returns>Null when stopping; otherwise why accepting ended.</returns>
    private async Task<string?> AcceptLoopAsync(Socket socket, CancellationToken token)
    {
        var loops = _loops.Live();
        if (loops.Count > 0)
        {
            var acceptors = new List<LoopAcceptor>();
            string? failure = null;
            try
            {
                foreach (var loop in loops)
                {
                    try
                    {
                        acceptors.Add(LoopAcceptor.Start(socket, loop, Dispatch, error => LogAcceptBackoff(_logger, ListenText, error), _time));
                    }
                    catch (IOException)
                    {
                        // That loop stopped meanwhile: the others accept (or .NET's engine, if none is left).
                    }
                }

                if (acceptors.Count > 0)
                {
                    using (token.Register(() => acceptors.ForEach(a => a.Stop())))
                    {
                        failure = await await Task.WhenAny(acceptors.Select(a => a.Ended));
                    }
                }
            }
            catch (Exception ex) when (ex is ObjectDisposedException or SocketException)
            {
                failure = token.IsCancellationRequested ? null : $"listener on {ListenText} stopped accepting: {ex.Message}";
            }

            if (acceptors.Count > 0 || failure is not null)
            {
                // Every acceptor lets go of the descriptor before the caller closes it.
                acceptors.ForEach(a => a.Stop());
                await Task.WhenAll(acceptors.Select(a => a.Ended));
                return failure;
            }
        }

        while (true)
        {
            Socket client;
            try
            {
                client = await socket.AcceptAsync(token);
            }
            catch (Exception) when (token.IsCancellationRequested)
            {
                return null;
            }
            catch (SocketException ex) when (SocketErrors.IsTransientAccept(ex.SocketErrorCode))
            {
                // The client gave up while queued; the listener is fine.
                continue;
            }
            catch (SocketException ex) when (ex.SocketErrorCode is SocketError.TooManyOpenSockets or SocketError.NoBufferSpaceAvailable)
            {
                // Out of file descriptors or memory for a moment: back off instead of spinning, keep listening.
                LogAcceptBackoff(_logger, ListenText, ex.Message);
                await Task.Delay(TimeSpan.FromMilliseconds(100), _time, token).ConfigureAwait(false);
                continue;
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
            {
                return $"listener on {ListenText} stopped accepting: {ex.Message}";
            }

            LoopSocket attached;
            try
            {
                attached = LoopSockets.Attach(client, _loops.Next());
            }
            catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException)
            {
                // Gone before it could be watched (reset while queued): nothing to serve.
                client.Dispose();
                continue;
            }

            Dispatch(attached);
        }
    }

    /// <summary>
    /// Hands a new client to its entry: the only one at once, or the one its ClientHello names. It is served by the
    /// loop watching it (the loop that accepted it).
    /// </summary>
    private void Dispatch(LoopSocket client)
    {
        var routes = Routes;
        if (routes.Single is { } only)
        {
            only.Accept(client);
        }
        else if (routes.Entries.Count == 0)
        {
            client.Dispose();
        }
        else
        {
            _ = RouteAsync(client, routes);
        }
    }

    /// <summary>
    /// Reads the ClientHello of a client of a shared port and hands the client, with the bytes read and its deadline,
    /// to the entry its SNI names. At most <see cref="ProxyOptions.MaxPendingHandshakes"/> clients are read at once per
    /// port. The deadline is the one a client of a dedicated port gets: <see cref="ProxyOptions.FirstByteTimeout"/> for
    /// the first byte, then <see cref="ProxyOptions.HandshakeTimeout"/> for the ClientHello and the entry's handshake
    /// together; the entry then applies its own connection limits.
    /// </summary>
    private async Task RouteAsync(LoopSocket accepted, PortRoutes routes)
    {
        if (Interlocked.Increment(ref _routing) > _options.MaxPendingHandshakes)
        {
            Interlocked.Decrement(ref _routing);
            accepted.Dispose();
            return;
        }

        LoopSocket? client = accepted;
        byte[]? buffer = null;
        ConnectionDeadline? deadline = null;
        try
        {
            deadline = new ConnectionDeadline(_options.FirstByteTimeout, _time, _stopping.Token);
            await client.WaitReadableAsync(deadline.Token);
            deadline.Rearm(_options.HandshakeTimeout);
            buffer = _options.BufferPool.Rent(ClientHello.MaxRecord);
            var length = await HelloReceiver.ReceiveAsync(client, buffer, deadline.Token);
            if (length == 0)
            {
                return;
            }

            var result = ClientHello.Read(buffer.AsSpan(0, length), out var nameStart, out var nameLength);

            var entry = result == ClientHelloResult.ServerName ? routes.Find(buffer.AsSpan(nameStart, nameLength)) : null;
            if (entry is null)
            {
                Interlocked.Increment(ref _unrouted);
                LogUnrouted(_logger, ListenText, result == ClientHelloResult.ServerName ? System.Text.Encoding.ASCII.GetString(buffer, nameStart, nameLength) : result.ToString());
                await client.SendAsync(result == ClientHelloResult.ServerName ? UnrecognizedName : TlsPolicy.HandshakeFailureAlert, deadline.Token);
                return;
            }

            // The entry owns the socket, the buffer and the deadline from here on.
            entry.AcceptRouted(client, buffer, length, deadline);
            client = null;
            buffer = null;
            deadline = null;
        }
        catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or IOException or SocketException)
        {
            // Silent, slow, gone or stopping: nothing to hand on.
        }
        finally
        {
            deadline?.Dispose();
            client?.Dispose();
            if (buffer is not null)
            {
                _options.BufferPool.Return(buffer);
            }

            Interlocked.Decrement(ref _routing);
        }
    }

    private void Report(ListenerState state, string? detail)
    {
        lock (_gate)
        {
            _state = (state, detail);
        }

        foreach (var entry in Routes.Entries)
        {
            entry.OnPort(state, detail);
        }
    }

    private async Task PauseAsync(CancellationToken token)
    {
        var wake = Volatile.Read(ref _wake).Task;
        try
        {
            await Task.WhenAny(Task.Delay(_options.BindRetry, _time, token), wake).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
    }

    private void CloseSocket()
    {
        Socket? socket;
        lock (_gate)
        {
            socket = _socket;
            _socket = null;
        }

        socket?.Dispose();
    }
}
