using System.Net;
using System.Net.Sockets;

namespace Koi.Dns.Forwarding;

/// <summary>
/// A query a client sent over UDP: its answer goes straight back through the listener's socket from whichever thread
/// completes it (the upstream's receive thread, as a rule). Pooled: a forwarded query allocates nothing.
/// </summary>
internal sealed class UdpClientForward(ForwardJobPool pool) : ForwardJob
{
    // Large enough for sockaddr_in6, so one instance serves IPv4 and IPv6 clients alike.
    private readonly SocketAddress _client = new(AddressFamily.InterNetworkV6);
    private Socket? _listener;

    /// <param name="client">The client's raw sockaddr.</param>
    public void Load(ReadOnlySpan<byte> query, int questionEnd, int responseLimit, Socket listener, ReadOnlySpan<byte> client)
    {
        Load(query, questionEnd, responseLimit);
        _listener = listener;
        client.CopyTo(_client.Buffer.Span);
        _client.Size = client.Length;
    }

    public override void Deliver(ReadOnlySpan<byte> response, IPEndPoint? upstream)
    {
        try
        {
            _listener!.SendTo(response, SocketFlags.None, _client);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            // The client is gone, or the listener closed while the upstream answered: nobody is left to tell.
        }

        _listener = null;
        TrimQueryBuffer();
        pool.Return(this);
    }
}
