using Koi.Core.Status;
using Microsoft.Extensions.Logging;

namespace Koi.Mdns.Transport;

/// <summary>
/// Looks at the interfaces through <see cref="IMdnsTransport.Refresh"/> and tells the engine when they changed: shortly
/// after the system reports a network change (<see cref="IMdnsTransport.WatchChanges"/>), and every <c>interval</c>
/// in case a report was missed. Where the system gives no reports it polls every <see cref="PollWithoutReports"/>
/// instead. Each look reads every interface and allocates tens of KiB, so an idle daemon should not make one every
/// two seconds (docs/mdns.md, "Network changes"). Reports as <c>mdns/interface-watch</c>.
/// </summary>
internal sealed partial class InterfaceWatch : IDisposable
{
    private readonly IMdnsTransport _transport;
    private readonly TimeSpan _interval;
    private readonly Action _changed;
    private readonly ComponentHealth _health;
    private readonly ILogger _logger;
    private readonly ITimer _timer;
    private IDisposable? _reports;
    private TimeSpan _period;
    private string _detail = "";
    private int _busy;
    private int _reported;
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

    /// <summary>How often to look where the system gives no reports of network changes.</summary>
    public static readonly TimeSpan PollWithoutReports = TimeSpan.FromSeconds(2);

    /// <summary>
    /// How long after a report the look runs: one change arrives as several reports (an address, then its routes), and
    /// the look should see them all at once.
    /// </summary>
    public static readonly TimeSpan Settle = TimeSpan.FromMilliseconds(100);

    public void Start()
    {
        if (_interval <= TimeSpan.Zero)
        {
            _health.Disabled("interfaces are read once at start (InterfaceCheckInterval is zero)");
            return;
        }

        _period = _interval;
        _reports = _transport.WatchChanges(OnReported, out var problem);
        if (_reports is not null)
        {
            _detail = $"interfaces checked when the system reports a network change, and every {_interval.TotalSeconds:0.#} s";
        }
        else
        {
            _period = _interval < PollWithoutReports ? _interval : PollWithoutReports;
            _detail = $"interfaces checked every {_period.TotalSeconds:0.#} s: {problem}";
        }

        _health.Running(_detail);
        _ = _timer.Change(_period, _period);
    }

    /// <summary>A report moves the next look to <see cref="Settle"/> from now; more reports before it add nothing.</summary>
    private void OnReported()
    {
        if (Interlocked.Exchange(ref _reported, 1) == 0)
        {
            _ = _timer.Change(Settle, _period);
        }
    }

    /// <summary>One look; a look still running when the timer fires again is not doubled.</summary>
    public void Check()
    {
        if (Interlocked.Exchange(ref _busy, 1) == 1)
        {
            return;
        }

        // Cleared before the look, so a report that arrives during it asks for another.
        Volatile.Write(ref _reported, 0);

        try
        {
            if (_transport.Refresh())
            {
                _changed();
            }

            if (_lastFailure is not null)
            {
                _lastFailure = null;
                _health.Running(_detail);
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
        _reports?.Dispose();
        _timer.Dispose();
        _health.Stopped("shut down");
    }
}
