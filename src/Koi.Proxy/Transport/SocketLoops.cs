namespace Koi.Proxy.Transport;

/// <summary>
/// The proxy's <see cref="SocketLoop"/> threads, <see cref="ProxyOptions.SocketLoops"/> of them, handed out in turn
/// to new connections (both sockets of a connection go to the same one). Empty where epoll is not available or the
/// option is 0: connections then use .NET's async sockets.
/// </summary>
internal sealed class SocketLoops : IDisposable
{
    private readonly SocketLoop[] _loops;
    private int _next = -1;

    public SocketLoops(int count)
    {
        var loops = new List<SocketLoop>();
        for (var i = 0; i < count; i++)
        {
            if (SocketLoop.TryStart($"koi proxy loop {i + 1}") is not { } loop)
            {
                break;
            }

            loops.Add(loop);
        }

        _loops = [.. loops];
    }

    public int Count => _loops.Length;

    /// <summary>The loop for the next connection, or null to use .NET's engine.</summary>
    public SocketLoop? Next()
    {
        if (_loops.Length == 0)
        {
            return null;
        }

        var loop = _loops[(int)((uint)Interlocked.Increment(ref _next) % (uint)_loops.Length)];
        return loop.Alive ? loop : null;
    }

    public void Dispose()
    {
        foreach (var loop in _loops)
        {
            loop.Dispose();
        }
    }
}
