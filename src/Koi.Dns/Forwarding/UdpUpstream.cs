using System.Net;
using System.Net.Sockets;
using Koi.Core.Net;
using Koi.Dns.Transport;
using Microsoft.Extensions.Logging;

namespace Koi.Dns.Forwarding;

/// <summary>Called on an upstream's receive thread with each datagram it sent; the span is valid only for the call.</summary>
internal delegate void UpstreamDatagram(int upstreamIndex, Span<byte> datagram);

/// <summary>
/// One upstream over UDP: one connected socket (the kernel then drops datagrams from any other source) and one
/// dedicated thread in a blocking receive, which hands each datagram to the forwarder on that same thread. Sends come
/// from whichever thread forwards; a UDP send is one datagram, so they need no lock.
/// </summary>
internal sealed partial class UdpUpstream : IDisposable
{
    private readonly Socket _socket;
    private readonly Thread _receiving;
    private readonly int _index;
    private readonly UpstreamDatagram _received;
    private readonly ILogger _logger;
    private readonly Action<string>? _stopped;
    private volatile bool _stopping;

    /// <param name="stopped">Hears, with the reason, if receiving ever ends on its own (never on dispose).</param>
    public UdpUpstream(IPEndPoint endpoint, int index, UpstreamDatagram received, ILogger logger, Action<string>? stopped = null)
    {
        _logger = logger;
        _stopped = stopped;
        Endpoint = endpoint;
        _index = index;
        _received = received;
        _socket = new Socket(endpoint.AddressFamily, SocketType.Dgram, ProtocolType.Udp) { ReceiveBufferSize = 1024 * 1024 };
        _socket.Connect(endpoint);
        _receiving = new Thread(ReceiveLoop) { IsBackground = true, Name = $"koi-dns-upstream-{index}" };
        _receiving.Start();
    }

    public IPEndPoint Endpoint { get; }

    /// <summary>Sends one query; a SocketException means this upstream cannot be reached now (e.g. ICMP refused).</summary>
    public void Send(ReadOnlySpan<byte> query) => _socket.Send(query, SocketFlags.None);

    public void Dispose()
    {
        _stopping = true;
        // Shutdown wakes the thread blocked in Receive; Dispose alone does not on every platform.
        try
        {
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (SocketException)
        {
        }

        _socket.Dispose();
        _receiving.Join(TimeSpan.FromSeconds(2));
    }

    private void ReceiveLoop()
    {
        var buffer = new byte[ushort.MaxValue];
        while (!_stopping)
        {
            int received;
            try
            {
                received = _socket.Receive(buffer, SocketFlags.None);
            }
            catch (SocketException ex) when (!_stopping && SocketErrors.IsTransient(ex.SocketErrorCode))
            {
                // ICMP "port unreachable" for an earlier query and the like: that query times out, the socket goes on.
                continue;
            }
            catch (SocketException ex) when (!_stopping)
            {
                // Answers from this upstream can no longer arrive: its queries will time out into SERVFAIL.
                ReceiveFailed(_logger, Endpoint.ToString(), ex.SocketErrorCode.ToString());
                _stopped?.Invoke($"upstream {Endpoint}: receiving stopped ({ex.SocketErrorCode}); queries forwarded to it fail");
                return;
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
            {
                return;
            }

            if (!_stopping)
            {
                _received(_index, buffer.AsSpan(0, received));
            }
        }
    }

    [LoggerMessage(EventId = 22, Level = LogLevel.Error, Message = "DNS upstream {Endpoint}: receiving stopped ({Error}); forwarded queries to it will fail")]
    private static partial void ReceiveFailed(ILogger logger, string endpoint, string error);
}
