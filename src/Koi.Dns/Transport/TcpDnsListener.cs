using System.Net;
using System.Net.Sockets;
using Koi.Core.Net;
using Koi.Dns.Protocol;
using Koi.Dns.Resolving;
using Koi.Dns.Safety;
using Microsoft.Extensions.Logging;

namespace Koi.Dns.Transport;

/// <summary>
/// DNS over TCP on one address (RFC 7766): several queries per connection, answered in order. Connections are bounded
/// in number, overall and per client (IPv4 address or IPv6 /64), and closed when idle, when a frame stalls, when the
/// client does not take an answer in time, or when a frame is not a query worth answering.
/// </summary>
internal sealed partial class TcpDnsListener : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly Resolver _resolver;
    private readonly TcpListenerLimits _limits;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;
    private readonly Action<string>? _stopped;
    private readonly Dictionary<UInt128, int> _perSource = [];
    private int _connections;

    private TcpDnsListener(Socket socket, Resolver resolver, TcpListenerLimits limits, TimeProvider time, ILogger logger, Action<string>? stopped)
    {
        _socket = socket;
        _stopped = stopped;
        LocalEndPoint = (IPEndPoint)socket.LocalEndPoint!;
        _resolver = resolver;
        _limits = limits;
        _time = time;
        _logger = logger;
        _accepting = Task.Run(AcceptLoopAsync);
    }

    public IPEndPoint LocalEndPoint { get; }

    public int Connections
    {
        get
        {
            lock (_perSource)
            {
                return _connections;
            }
        }
    }

    /// <summary>Binds and listens now; <paramref name="stopped"/> hears, with the reason, if accepting ever ends on its own.</summary>
    public static TcpDnsListener Start(IPEndPoint endpoint, Resolver resolver, TcpListenerLimits limits, TimeProvider time, ILogger logger, Action<string>? stopped = null)
    {
        var socket = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            if (endpoint.AddressFamily == AddressFamily.InterNetworkV6)
            {
                socket.DualMode = false;
            }

            // Not SocketOptionName.ReuseAddress: on Linux .NET maps it to SO_REUSEPORT as well, which would let a
            // second program bind port 53 beside koi and silently take part of the connections. Plain SO_REUSEADDR
            // (a restart may rebind while old connections sit in TIME_WAIT) is set raw.
            if (OperatingSystem.IsLinux())
            {
                socket.SetRawSocketOption(1, 2, BitConverter.GetBytes(1)); // SOL_SOCKET, SO_REUSEADDR
            }

            socket.Bind(endpoint);
            socket.Listen(128);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        return new TcpDnsListener(socket, resolver, limits, time, logger, stopped);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _socket.Dispose();
        await _accepting;
        _stop.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        var token = _stop.Token;
        while (!token.IsCancellationRequested)
        {
            Socket connection;
            try
            {
                connection = await _socket.AcceptAsync(token);
            }
            catch (SocketException ex) when (SocketErrors.IsTransientAccept(ex.SocketErrorCode))
            {
                continue;
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
            catch (SocketException ex)
            {
                AcceptFailed(_logger, LocalEndPoint.ToString(), ex.SocketErrorCode.ToString());
                _stopped?.Invoke($"TCP on {LocalEndPoint} stopped accepting ({ex.SocketErrorCode})");
                return;
            }

            if (!TryAdmit(connection, out var source))
            {
                // Full: closing at once costs the client a retry, keeping one more would cost every client memory.
                connection.Dispose();
                continue;
            }

            _ = ServeAsync(connection, source, token);
        }
    }

    private bool TryAdmit(Socket connection, out UInt128 source)
    {
        source = 0;
        try
        {
            source = IpRanges.SourceBucket(((IPEndPoint)connection.RemoteEndPoint!).Address);
        }
        catch (SocketException)
        {
            // Reset while queued.
            return false;
        }

        lock (_perSource)
        {
            var fromSource = _perSource.GetValueOrDefault(source);
            if (_connections >= _limits.MaxConnections || fromSource >= _limits.MaxPerSource)
            {
                return false;
            }

            _perSource[source] = fromSource + 1;
            _connections++;
            return true;
        }
    }

    private void Release(UInt128 source)
    {
        lock (_perSource)
        {
            _connections--;
            if (_perSource.TryGetValue(source, out var count) && count > 1)
            {
                _perSource[source] = count - 1;
            }
            else
            {
                _perSource.Remove(source);
            }
        }
    }

    private async Task ServeAsync(Socket connection, UInt128 source, CancellationToken stopping)
    {
        using var socket = connection;
        try
        {
            // Inside the try: a client that reset already makes these throw, and its slot must still be given back.
            socket.NoDelay = true;
            var client = ClientAddress.From(((IPEndPoint)socket.RemoteEndPoint!).Address);
            var query = new byte[TcpFraming.MaxFrame];
            var response = new byte[TcpFraming.MaxFrame + 2];
            var writer = new DnsMessageWriter(response.AsMemory(2));
            while (true)
            {
                int length;

                // A timed source rather than a timer calling Cancel: a timer callback racing the dispose would throw
                // on a thread-pool thread, which ends the process.
                using (var idle = new CancellationTokenSource(_limits.IdleTimeout, _time))
                using (var wait = CancellationTokenSource.CreateLinkedTokenSource(stopping, idle.Token))
                {
                    length = await TcpFraming.ReadFrameAsync(socket, query, wait.Token);
                }

                if (length <= 0)
                {
                    // Closed by the peer, or a zero-length frame, which no client sends on purpose.
                    return;
                }

                var handled = _resolver.Handler.Handle(query.AsSpan(0, length), client, DnsTransport.Tcp, writer, response.AsMemory(2));
                int answerLength;
                switch (handled.Outcome)
                {
                    case QueryOutcome.Respond:
                        answerLength = handled.Length;
                        break;
                    case QueryOutcome.Forward:
                        answerLength = (await _resolver.Forwarder.ForwardAsync(query.AsMemory(0, length), response.AsMemory(2), handled.ResponseLimit, stopping)).Length;
                        break;
                    default:
                        return;
                }

                System.Buffers.Binary.BinaryPrimitives.WriteUInt16BigEndian(response, (ushort)answerLength);
                using (var deadline = new CancellationTokenSource(_limits.SendTimeout, _time))
                using (var send = CancellationTokenSource.CreateLinkedTokenSource(stopping, deadline.Token))
                {
                    await socket.SendAsync(response.AsMemory(0, answerLength + 2), SocketFlags.None, send.Token);
                }
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException or EndOfStreamException)
        {
            // Idle, stalled mid-frame, closed mid-frame, or shutting down: the connection ends, the listener goes on.
        }
        finally
        {
            Release(source);
        }
    }

    [LoggerMessage(EventId = 21, Level = LogLevel.Error, Message = "DNS TCP listener on {Endpoint} stopped accepting: {Error}")]
    private static partial void AcceptFailed(ILogger logger, string endpoint, string error);
}

/// <param name="IdleTimeout">How long a connection may wait for (the rest of) a frame (RFC 7766 §6.2.3 suggests seconds).</param>
/// <param name="MaxPerSource">Connections one client (IPv4 address or IPv6 /64) may hold at once.</param>
/// <param name="SendTimeout">How long an answer may wait for the client to make room for it before the connection is closed.</param>
internal sealed record TcpListenerLimits(int MaxConnections, TimeSpan IdleTimeout, int MaxPerSource, TimeSpan SendTimeout);
