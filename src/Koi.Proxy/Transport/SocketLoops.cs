using Koi.Core.Status;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Koi.Proxy.Transport;

/// <summary>
/// The proxy's <see cref="SocketLoop"/> threads, <see cref="ProxyOptions.SocketLoops"/> of them, handed out in turn
/// to new connections (both sockets of a connection go to the same one). Empty where epoll is not available or the
/// option is 0: connections then use .NET's async sockets. Their real state is the component <c>proxy/loops</c>:
/// a loop that could not start or stopped on its own is logged and shown as failed, never passed over in silence.
/// </summary>
internal sealed partial class SocketLoops : IDisposable
{
    private readonly SocketLoop[] _loops;
    private readonly int _requested;
    private readonly string? _startProblem;
    private readonly ComponentHealth? _health;
    private readonly ILogger _logger;
    private int _next = -1;
    private int _disposed;

    public SocketLoops(int count, ComponentHealth? health = null, ILogger? logger = null)
    {
        _loops = [];  // a loop that dies at once reports before the array is complete
        _requested = count;
        _health = health;
        _logger = logger ?? NullLogger.Instance;
        var loops = new List<SocketLoop>();
        for (var i = 0; i < count; i++)
        {
            if (SocketLoop.TryStart($"koi proxy loop {i + 1}", OnDied, out var problem) is not { } loop)
            {
                _startProblem = problem;
                if (Epoll.Supported)
                {
                    LogStartFailed(_logger, i + 1, count, problem!);
                }

                break;
            }

            loops.Add(loop);
        }

        _loops = [.. loops];
        Report();
    }

    public int Count => _loops.Length;

    /// <summary>The loop for the next connection (a live one), or null to use .NET's engine.</summary>
    public SocketLoop? Next()
    {
        for (var tried = 0; tried < _loops.Length; tried++)
        {
            var loop = _loops[(int)((uint)Interlocked.Increment(ref _next) % (uint)_loops.Length)];
            if (loop.Alive)
            {
                return loop;
            }
        }

        return null;
    }

    /// <summary>Every live loop (each accepts on the proxy's ports), or none to use .NET's engine.</summary>
    public IReadOnlyList<SocketLoop> Live() => [.. _loops.Where(l => l.Alive)];

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        foreach (var loop in _loops)
        {
            loop.Dispose();
        }

        _health?.Stopped();
    }

    private void OnDied(SocketLoop loop, string reason)
    {
        var alive = _loops.Count(l => l.Alive);
        LogLoopDied(_logger, loop.Name, reason, alive);
        Report();
    }

    private void Report()
    {
        if (_health is null || Volatile.Read(ref _disposed) != 0)
        {
            return;
        }

        if (_requested == 0)
        {
            _health.Disabled("ProxyOptions.SocketLoops is 0: connections use .NET's socket engine");
            return;
        }

        if (_startProblem is not null && !Epoll.Supported)
        {
            _health.Disabled($"{_startProblem}: connections use .NET's socket engine");
            return;
        }

        var problems = new List<string>();
        if (_startProblem is not null)
        {
            problems.Add($"started {_loops.Length} of {_requested} loops ({_startProblem})");
        }

        foreach (var loop in _loops)
        {
            if (loop.DeathReason is { } reason)
            {
                problems.Add($"{loop.Name} stopped ({reason}); its connections were closed");
            }
        }

        if (problems.Count > 0)
        {
            var fallback = _loops.Any(l => l.Alive) ? "new connections use the remaining loops" : "new connections use .NET's socket engine";
            _health.Failed($"{string.Join("; ", problems)}; {fallback}; restart the daemon to recover");
            return;
        }

        _health.Running($"{_loops.Length} epoll loop{(_loops.Length == 1 ? string.Empty : "s")}");
    }

    [LoggerMessage(EventId = 40, Level = LogLevel.Error, Message = "proxy: socket loop {Index} of {Count} could not start ({Problem}); the proxy runs with fewer loops")]
    private static partial void LogStartFailed(ILogger logger, int index, int count, string problem);

    [LoggerMessage(EventId = 41, Level = LogLevel.Error, Message = "proxy: {Loop} stopped ({Reason}); its connections were closed, {Alive} loops remain")]
    private static partial void LogLoopDied(ILogger logger, string loop, string reason, int alive);
}
