using System.Net;
using System.Net.Sockets;
using Koi.Core.Net;
using Koi.Dns.Protocol;
using Koi.Dns.Resolving;
using Koi.Dns.Safety;
using Microsoft.Extensions.Logging;

namespace Koi.Dns.Transport;

/// <summary>
/// DNS over UDP on one address. Several receive threads share the socket so a backlog is worked off on every core; each
/// loop owns its buffers and writer, so answering from the zone allocates nothing here. Forwarded queries leave the
/// loop as soon as they are sent upstream; the upstream's receive thread answers them. On Linux only the first loop
/// waits on the socket; the others sleep until it finds a backlog (see <see cref="BatchReceiveLoop"/>), so at everyday
/// rates one thread answers and sleeps once per burst, not once per query. The price: while the first loop is held up
/// inside a small batch, the datagrams behind it wait for it rather than for another loop.
/// </summary>
internal sealed partial class UdpDnsListener : IAsyncDisposable
{
    /// <summary>Datagrams one batched receive takes at most.</summary>
    private const int BatchSize = 32;

    /// <summary>Real queries are a header, one question and an OPT record, far below this; longer datagrams are dropped.</summary>
    private const int MaxBatchedQuerySize = 4096;

    /// <summary>A receive that takes this many datagrams or more means a backlog: the next loop is woken to share it.</summary>
    private const int BacklogBatch = 8;

    private readonly Socket _socket;
    private readonly Resolver _resolver;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Thread> _loops = [];
    private readonly List<BacklogSignal> _signals = [];
    private readonly Action<string>? _stopped;
    private readonly IPEndPoint _endpoint;
    private TimeSpan _receiveHold;
    private int _loopCount;
    private int _loopsStopped;

    private UdpDnsListener(Socket socket, Resolver resolver, ILogger logger, Action<string>? stopped)
    {
        _socket = socket;
        _resolver = resolver;
        _logger = logger;
        _stopped = stopped;
        _endpoint = (IPEndPoint)socket.LocalEndPoint!;
    }

    public IPEndPoint LocalEndPoint => _endpoint;

    /// <summary>The socket's descriptor, for tests that break it to see a receive loop report its end.</summary>
    internal int Descriptor => (int)_socket.SafeHandle.DangerousGetHandle();

    /// <summary>
    /// Binds now (so a taken port fails here, for the caller to report) and starts <paramref name="loops"/> loops.
    /// <paramref name="stopped"/> hears, with the reason, of every loop that ends on its own (never on dispose).
    /// <paramref name="receiveHold"/> is the window of <see cref="ReceiveHold"/> (zero: the loop never holds).
    /// </summary>
    public static UdpDnsListener Start(
        IPEndPoint endpoint, int loops, Resolver resolver, ILogger logger, Action<string>? stopped = null, TimeSpan receiveHold = default)
    {
        var socket = new Socket(endpoint.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            if (endpoint.AddressFamily == AddressFamily.InterNetworkV6)
            {
                // An explicit "::" means IPv6 only; 0.0.0.0 is its own listener.
                socket.DualMode = false;
            }

            socket.ReceiveBufferSize = 4 * 1024 * 1024;
            socket.Bind(endpoint);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        var listener = new UdpDnsListener(socket, resolver, logger, stopped) { _loopCount = Math.Max(1, loops), _receiveHold = receiveHold };
        for (var i = 0; i < listener._loopCount; i++)
        {
            listener._signals.Add(new BacklogSignal());
        }

        for (var i = 0; i < listener._loopCount; i++)
        {
            var thread = new Thread(listener.ReceiveLoop) { IsBackground = true, Name = $"koi-dns-udp-{i}" };
            thread.Start(i);
            listener._loops.Add(thread);
        }

        return listener;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        // Shutdown wakes threads blocked in ReceiveFrom; Dispose alone does not on every platform.
        try
        {
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (SocketException)
        {
        }

        _socket.Dispose();
        foreach (var thread in _loops)
        {
            thread.Join(TimeSpan.FromSeconds(2));
        }

        foreach (var signal in _signals)
        {
            signal.Dispose();
        }

        _stop.Dispose();
    }

    /// <summary>
    /// A dedicated thread with blocking receive and send: for small datagrams this costs far less per query than the
    /// async socket machinery, and a UDP send does not block for long. Disposing the socket ends the loop. On Linux
    /// each wake-up takes every waiting datagram at once and sends all their replies at once (<see cref="UdpBatch"/>).
    /// </summary>
    private void ReceiveLoop(object? index)
    {
        if (UdpBatch.Supported)
        {
            BatchReceiveLoop((int)index!);
        }
        else
        {
            SingleReceiveLoop();
        }
    }

    /// <summary>
    /// Loop 0 blocks on the socket. Every other loop sleeps until the loop before it takes a batch of
    /// <see cref="BacklogBatch"/> or more, then takes datagrams without waiting until none is left, and sleeps again.
    /// Each thread blocked on the socket would be woken for a datagram of its own whenever the others are busy, even
    /// for a moment: at everyday rates that is a sleep and a wake-up (a trip through the scheduler) per query, the
    /// largest part of its cost. Under a backlog, every loop works and none sleeps. When queries come in a dense stream,
    /// loop 0 also holds back its next receive for a moment so that one wake-up brings several (<see cref="ReceiveHold"/>).
    /// See docs/performance.md#dns-resolver-benchdnsrunpy.
    /// </summary>
    private void BatchReceiveLoop(int index)
    {
        using var batch = new UdpBatch(BatchSize, MaxBatchedQuerySize, QueryHandler.MaxUdpSize);
        var writer = new DnsMessageWriter(batch.ResponseBuffer(0));
        var socket = _socket.SafeHandle;
        var token = _stop.Token;
        var waits = index == 0;
        var self = _signals[index];
        var next = index + 1 < _signals.Count ? _signals[index + 1] : null;
        var hold = waits && _receiveHold > TimeSpan.Zero ? new ReceiveHold(_receiveHold, TimeProvider.System) : null;
        if (hold is not null)
        {
            ReceiveHold.TightenTimerSlack();
        }

        if (!waits && !self.Sleep(token))
        {
            return;
        }

        while (!token.IsCancellationRequested)
        {
            int count;
            SocketError error;
            var afterHold = hold?.Held == true;
            try
            {
                // After a hold, what came in meanwhile is taken without waiting for more.
                count = batch.Receive(socket, waits && !afterHold, out error);
            }
            catch (ObjectDisposedException)
            {
                return;
            }

            if (count < 0)
            {
                if (token.IsCancellationRequested)
                {
                    return;
                }

                if (hold is { Held: true } && error == SocketError.WouldBlock)
                {
                    hold.AfterHold(0);
                    continue;
                }

                if (!waits && error == SocketError.WouldBlock)
                {
                    // The backlog is gone: loop 0 takes what comes next.
                    if (!self.Sleep(token))
                    {
                        return;
                    }

                    continue;
                }

                if (SocketErrors.IsTransient(error))
                {
                    continue;
                }

                LoopStopped(error.ToString());
                // The sleeping loops would never notice: they see the socket's state only when they receive.
                foreach (var signal in _signals)
                {
                    signal.Wake();
                }

                return;
            }

            hold?.Received(count);

            // After a hold, a window's worth of datagrams comes at once: that is a backlog only if it filled the batch.
            // (Waking the next loop for less cost it a wake-up and a sleep for nothing; a real backlog shows in the
            // receive after this one, which is not held.)
            if (count >= (afterHold ? BatchSize : BacklogBatch))
            {
                next?.Wake();
            }

            var received = System.Diagnostics.Stopwatch.GetTimestamp();
            var answered = 0;
            for (var i = 0; i < count && !token.IsCancellationRequested; i++)
            {
                if (!batch.HasSender(i))
                {
                    continue;
                }

                if (!batch.TryGetQuery(i, out var query))
                {
                    // Longer than any real query; what arrived of it is not the whole message.
                    _resolver.Counters.CountMalformed();
                    continue;
                }

                var sender = batch.SenderAddress(i);
                var response = batch.ResponseBuffer(i);
                var handled = _resolver.Handler.Handle(query, ClientAddress.FromSockaddr(sender), DnsTransport.Udp, writer, response);
                switch (handled.Outcome)
                {
                    case QueryOutcome.Respond:
                        answered++;
                        batch.QueueReply(i, handled.Length);
                        break;
                    case QueryOutcome.Forward:
                        var immediate = _resolver.Forwarder.ForwardFromUdp(query, handled.ResponseLimit, _socket, sender, response.Span);
                        if (immediate > 0)
                        {
                            batch.QueueReply(i, immediate);
                        }

                        break;
                }
            }

            try
            {
                if (batch.SendQueued(socket) is not SocketError.Success and var sendError)
                {
                    if (!token.IsCancellationRequested)
                    {
                        LoopStopped($"{sendError} on send");
                    }

                    return;
                }
            }
            catch (ObjectDisposedException)
            {
                return;
            }

            // Timed from the receive to the sent reply, per batch: two clock reads for the batch, not two per answer.
            _resolver.Counters.RecordZoneAnswers(received, answered);
            hold?.HoldIfDense(count, BacklogBatch);
        }
    }

    private void SingleReceiveLoop()
    {
        var query = new byte[ushort.MaxValue];
        var response = new byte[QueryHandler.MaxTcpSize];
        var writer = new DnsMessageWriter(response);
        var remote = new SocketAddress(_socket.AddressFamily);
        var token = _stop.Token;
        while (!token.IsCancellationRequested)
        {
            int received;
            try
            {
                received = _socket.ReceiveFrom(query, SocketFlags.None, remote);
            }
            catch (SocketException ex) when (SocketErrors.IsTransient(ex.SocketErrorCode))
            {
                continue;
            }
            catch (SocketException) when (token.IsCancellationRequested)
            {
                return;
            }
            catch (ObjectDisposedException)
            {
                return;
            }
            catch (SocketException ex)
            {
                LoopStopped(ex.SocketErrorCode.ToString());
                return;
            }

            try
            {
                var client = ClientAddress.From(remote);
                var started = System.Diagnostics.Stopwatch.GetTimestamp();
                var handled = _resolver.Handler.Handle(query.AsSpan(0, received), client, DnsTransport.Udp, writer, response);
                switch (handled.Outcome)
                {
                    case QueryOutcome.Respond:
                        _resolver.Counters.RecordZoneAnswer(started);
                        _socket.SendTo(response.AsSpan(0, handled.Length), SocketFlags.None, remote);
                        break;
                    case QueryOutcome.Forward:
                        var sender = remote.Buffer.Span[..remote.Size];
                        var immediate = _resolver.Forwarder.ForwardFromUdp(query.AsSpan(0, received), handled.ResponseLimit, _socket, sender, response);
                        if (immediate > 0)
                        {
                            _socket.SendTo(response.AsSpan(0, immediate), SocketFlags.None, remote);
                        }

                        break;
                }
            }
            catch (SocketException)
            {
                // The reply could not go out to this one client (unreachable, a firewall); the others are unaffected.
            }
            catch (ObjectDisposedException)
            {
                return;
            }
        }
    }

    private void LoopStopped(string error)
    {
        var stopped = Interlocked.Increment(ref _loopsStopped);
        var left = _loopCount - stopped;
        ReceiveFailed(_logger, LocalEndPoint.ToString(), error, left);
        _stopped?.Invoke($"UDP on {LocalEndPoint}: {stopped} of {_loopCount} receive loops stopped ({error})");
    }

    [LoggerMessage(EventId = 20, Level = LogLevel.Error, Message = "DNS UDP listener on {Endpoint}: a receive loop stopped ({Error}); {Left} still receive")]
    private static partial void ReceiveFailed(ILogger logger, string endpoint, string error, int left);
}
