using System.Net;
using System.Net.Sockets;

namespace Koi.Dns.Forwarding;

/// <summary>
/// The UDP sockets one upstream is asked from (RFC 5452 §9.2, source port randomisation): a pool of connected sockets,
/// each on its own ephemeral port chosen by the kernel at random; every query goes out from a random one of them, and
/// the oldest is replaced every <see cref="RotateEvery"/>, so a port an attacker has seen once soon leads nowhere.
/// A replaced socket stays open (and read) for <c>retireAfter</c>, so answers already on their way still arrive.
/// Senders only read the pool; replacing and closing happen on the upstream's receive thread.
/// </summary>
internal sealed class UpstreamSockets : IDisposable
{
    private readonly IPEndPoint _endpoint;
    private readonly UpstreamSocket?[] _active;
    private readonly List<(UpstreamSocket Socket, long CloseAt)> _retiring = [];
    private readonly List<Socket> _readable = [];
    private readonly TimeProvider _time;
    private readonly long _retireTicks;
    private readonly long _rotateTicks;
    private long _nextRotation;
    private int _oldest;

    public UpstreamSockets(IPEndPoint endpoint, int size, TimeSpan rotateEvery, TimeSpan retireAfter, TimeProvider time)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 1);
        _endpoint = endpoint;
        _time = time;
        RotateEvery = rotateEvery;
        _rotateTicks = (long)(rotateEvery.TotalSeconds * time.TimestampFrequency);
        _retireTicks = (long)(retireAfter.TotalSeconds * time.TimestampFrequency);
        _active = new UpstreamSocket?[size];
        for (var i = 0; i < size; i++)
        {
            _active[i] = Open();
        }

        _nextRotation = time.GetTimestamp() + _rotateTicks;
    }

    public TimeSpan RotateEvery { get; }

    /// <summary>The source ports in use now (tests; status).</summary>
    public IReadOnlyList<int> ActivePorts => [.. _active.Select(s => s!.Port)];

    /// <summary>A random socket of the pool, for one query. Any thread; allocates nothing.</summary>
    public UpstreamSocket Pick() => Volatile.Read(ref _active[QueryIds.Next() % _active.Length])!;

    /// <summary>
    /// On the receive thread: waits up to <paramref name="wait"/> for a datagram on any socket of the pool (retiring ones
    /// included) and returns the sockets that have one. Rotates and closes due sockets first.
    /// </summary>
    public List<Socket> WaitReadable(TimeSpan wait)
    {
        Maintain();
        _readable.Clear();
        foreach (var socket in _active)
        {
            _readable.Add(socket!.Socket);
        }

        foreach (var (socket, _) in _retiring)
        {
            _readable.Add(socket.Socket);
        }

        Socket.Select(_readable, null, null, (int)Math.Min(wait.TotalMicroseconds, int.MaxValue));
        return _readable;
    }

    /// <summary>The pool socket (active or retiring) that <paramref name="socket"/> is; receive thread only.</summary>
    public UpstreamSocket? Find(Socket socket)
    {
        foreach (var active in _active)
        {
            if (ReferenceEquals(active!.Socket, socket))
            {
                return active;
            }
        }

        foreach (var (retiring, _) in _retiring)
        {
            if (ReferenceEquals(retiring.Socket, socket))
            {
                return retiring;
            }
        }

        return null;
    }

    /// <summary>Shuts every socket down, which wakes a receive thread blocked on them.</summary>
    public void Shutdown()
    {
        foreach (var socket in _active)
        {
            socket!.Shutdown();
        }

        foreach (var (socket, _) in _retiring)
        {
            socket.Shutdown();
        }
    }

    public void Dispose()
    {
        foreach (var socket in _active)
        {
            socket!.Socket.Dispose();
        }

        foreach (var (socket, _) in _retiring)
        {
            socket.Socket.Dispose();
        }
    }

    private void Maintain()
    {
        var now = _time.GetTimestamp();
        for (var i = _retiring.Count - 1; i >= 0; i--)
        {
            if (_retiring[i].CloseAt <= now)
            {
                _retiring[i].Socket.Socket.Dispose();
                _retiring.RemoveAt(i);
            }
        }

        if (now < _nextRotation)
        {
            return;
        }

        _nextRotation = now + _rotateTicks;
        UpstreamSocket fresh;
        try
        {
            fresh = Open();
        }
        catch (SocketException)
        {
            // Out of ports or descriptors for a moment: keep the current pool and try at the next rotation.
            return;
        }

        var old = Interlocked.Exchange(ref _active[_oldest], fresh)!;
        _retiring.Add((old, now + _retireTicks));
        _oldest = (_oldest + 1) % _active.Length;
    }

    private UpstreamSocket Open()
    {
        var socket = new Socket(_endpoint.AddressFamily, SocketType.Dgram, ProtocolType.Udp) { ReceiveBufferSize = 256 * 1024 };
        try
        {
            // connect(2) binds an ephemeral port the kernel picks at random, and makes it drop datagrams from any
            // other source address or port.
            socket.Connect(_endpoint);
            socket.Blocking = false;
            return new UpstreamSocket(socket, ((IPEndPoint)socket.LocalEndPoint!).Port);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}

/// <summary>One connected socket of an upstream's pool and the source port it has.</summary>
internal sealed class UpstreamSocket(Socket socket, int port)
{
    public Socket Socket => socket;

    public int Port => port;

    /// <summary>Sends one query; a SocketException means the upstream cannot be reached now (e.g. ICMP refused).</summary>
    public void Send(ReadOnlySpan<byte> query) => socket.Send(query, SocketFlags.None);

    public void Shutdown()
    {
        try
        {
            socket.Shutdown(SocketShutdown.Both);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
        }
    }
}
