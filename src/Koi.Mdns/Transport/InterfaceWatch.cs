using Koi.Core.Status;
using Microsoft.Extensions.Logging;

namespace Koi.Mdns.Transport;

/// <summary>
/// Looks at the interfaces every <c>interval</c> through <see cref="IMdnsTransport.Refresh"/> and tells the engine
/// when they changed. A poll rather than netlink events: it needs no platform code, behaves the same in network
/// namespaces and costs well under a millisecond per look (docs/mdns.md, "Network changes"). Reports as
/// <c>mdns/interface-watch</c>.
/// </summary>
internal sealed partial class InterfaceWatch : IDisposable
{
    private readonly IMdnsTransport _transport;
    private readonly TimeSpan _interval;
    private readonly Action _changed;
    private readonly ComponentHealth _health;
    private readonly ILogger _logger;
    private readonly ITimer _timer;
    private int _busy;
    private string? _lastFailure;

    public InterfaceWatch(IMdnsTransport transport, TimeProvider time, TimeSpan interval, Action changed, ComponentHealth health, ILogger logger)
    {
        _transport = transport;
        _interval = interval;
        _changed = changed;
        _health = health;
        _logger = logger;
        _timer = time.CreateTimer(_ => Check(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    public void Start()
    {
        if (_interval <= TimeSpan.Zero)
        {
            _health.Disabled("interfaces are read once at start (InterfaceCheckInterval is zero)");
            return;
        }

        _health.Running(Detail);
        _ = _timer.Change(_interval, _interval);
    }

    private string Detail => $"interfaces checked every {_interval.TotalSeconds:0.#} s";

    /// <summary>One look; a look still running when the timer fires again is not doubled.</summary>
    public void Check()
    {
        if (Interlocked.Exchange(ref _busy, 1) == 1)
        {
            return;
        }

        try
        {
            if (_transport.Refresh())
            {
                _changed();
            }

            if (_lastFailure is not null)
            {
                _lastFailure = null;
                _health.Running(Detail);
            }
        }
        catch (Exception ex)
        {
            // Shown until a look succeeds again; the timer keeps going, so a passing error heals on its own.
            var reason = $"looking at the interfaces failed: {ex.GetType().Name}: {ex.Message}";
            if (reason != _lastFailure)
            {
                LogCheckFailed(_logger, ex);
            }

            _lastFailure = reason;
            _health.Failed(reason);
        }
        finally
        {
            Volatile.Write(ref _busy, 0);
        }
    }

    public void Dispose()
    {
        _timer.Dispose();
        _health.Stopped("shut down");
    }
}
