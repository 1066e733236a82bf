using System.Net;
using System.Net.Sockets;
using Koi.Core.Net;
using Microsoft.Extensions.Logging;

namespace Koi.Dns.Forwarding;

/// <summary>
/// Called on an upstream's receive thread with each datagram it sent, and the source port of the socket it came in on;
/// the span is valid only for the call.
/// </summary>
internal delegate void UpstreamDatagram(int upstreamIndex, int sourcePort, Span<byte> datagram);

/// <summary>
/// One upstream over UDP: a pool of connected sockets on random source ports (<see cref="UpstreamSockets"/>; the
/// kernel drops datagrams from any other source) and one dedicated thread that waits on all of them and hands each
/// datagram to the forwarder on that same thread. Sends come from whichever thread forwards; a UDP send is one
/// datagram, so they need no lock.
/// </summary>
internal sealed partial class UdpUpstream : IDisposable
{
    /// <summary>Sockets per upstream: each query leaves from a random one of them.</summary>
    public const int PoolSize = 8;

    /// <summary>How often one socket of the pool is replaced by one on a new random port.</summary>
    public static readonly TimeSpan RotateEvery = TimeSpan.FromSeconds(1);

    // How long the receive thread waits before it looks at the pool again (rotation, closing, stopping).
    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(250);

    private readonly UpstreamSockets _sockets;
    private readonly Thread _receiving;
    private readonly int _index;
    private readonly UpstreamDatagram _received;
    private readonly ILogger _logger;
    private readonly Action<string>? _stopped;
    private volatile bool _stopping;

    /// <param name="retireAfter">How long a replaced socket is still read: the longest an answer may take.</param>
    /// <param name="stopped">Hears, with the reason, if receiving ever ends on its own (never on dispose).</param>
    public UdpUpstream(IPEndPoint endpoint, int index, UpstreamDatagram received, TimeSpan retireAfter, TimeProvider time, ILogger logger, Action<string>? stopped = null)
    {
        _logger = logger;
        _stopped = stopped;
        Endpoint = endpoint;
        _index = index;
        _received = received;
        _sockets = new UpstreamSockets(endpoint, PoolSize, RotateEvery, retireAfter, time);
        _receiving = new Thread(ReceiveLoop) { IsBackground = true, Name = $"koi-dns-upstream-{index}" };
        _receiving.Start();
    }

    public IPEndPoint Endpoint { get; }

    /// <summary>The source ports queries leave from now.</summary>
    public IReadOnlyList<int> SourcePorts => _sockets.ActivePorts;

    /// <summary>A random socket of the pool for one query; allocates nothing.</summary>
    public UpstreamSocket Pick() => _sockets.Pick();

    public void Dispose()
    {
        _stopping = true;
        // Shutdown wakes the thread waiting on the sockets; Dispose alone does not on every platform.
        _sockets.Shutdown();
        _receiving.Join(TimeSpan.FromSeconds(2));
        _sockets.Dispose();
    }

    private void ReceiveLoop()
    {
        var buffer = new byte[ushort.MaxValue];
        while (!_stopping)
        {
            List<Socket> ready;
            try
            {
                ready = _sockets.WaitReadable(Tick);
            }
            catch (SocketException ex) when (!_stopping)
            {
                Stop(ex.SocketErrorCode);
                return;
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
            {
                return;
            }

            foreach (var socket in ready)
            {
                if (_stopping)
                {
                    return;
                }

                if (_sockets.Find(socket) is { } pooled && !Drain(pooled, buffer))
                {
                    return;
                }
            }
        }
    }

    /// <summary>Hands over every datagram waiting on <paramref name="pooled"/>; false when receiving must end.</summary>
    private bool Drain(UpstreamSocket pooled, byte[] buffer)
    {
        while (true)
        {
            int received;
            SocketError error;
            try
            {
                received = pooled.Socket.Receive(buffer, 0, buffer.Length, SocketFlags.None, out error);
            }
            catch (ObjectDisposedException)
            {
                return !_stopping;
            }

            if (error == SocketError.WouldBlock)
            {
                return true;
            }

            if (error != SocketError.Success)
            {
                if (_stopping)
                {
                    return false;
                }

                if (SocketErrors.IsTransient(error))
                {
                    // ICMP "port unreachable" for an earlier query and the like: that query times out, the socket goes on.
                    continue;
                }

                Stop(error);
                return false;
            }

            if (_stopping)
            {
                return false;
            }

            _received(_index, pooled.Port, buffer.AsSpan(0, received));
        }
    }

    private void Stop(SocketError error)
    {
        // Answers from this upstream can no longer arrive: its queries will time out into SERVFAIL.
        ReceiveFailed(_logger, Endpoint.ToString(), error.ToString());
        _stopped?.Invoke($"upstream {Endpoint}: receiving stopped ({error}); queries forwarded to it fail");
    }

    [LoggerMessage(EventId = 22, Level = LogLevel.Error, Message = "DNS upstream {Endpoint}: receiving stopped ({Error}); forwarded queries to it will fail")]
    private static partial void ReceiveFailed(ILogger logger, string endpoint, string error);
}
