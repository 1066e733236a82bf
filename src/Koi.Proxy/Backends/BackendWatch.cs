using Koi.Core.Capabilities;
using Koi.Core.Events;
using Koi.Proxy.Api;
using Koi.Proxy.Entries;
using Microsoft.Extensions.Logging;

namespace Koi.Proxy.Backends;

/// <summary>
/// One entry's backend as the proxy sees it: checked every <see cref="ProxyOptions.BackendCheckInterval"/> while the
/// entry listens (unless a client's connection reached it meanwhile), and told of every connection's attempt. A
/// change up or down is logged, published as <c>backend_up</c>/<c>backend_down</c> and reported to the entry's owner.
/// </summary>
internal sealed partial class BackendWatch : IAsyncDisposable
{
    private readonly ProxyEntry _entry;
    private readonly BackendConnector _connector;
    private readonly ProxyOptions _options;
    private readonly IEventBus _events;
    private readonly ILogger _logger;
    private readonly Action _changed;
    private readonly Action<string> _recordError;
    private readonly Func<bool> _listening;
    private readonly CancellationToken _stopping;
    private readonly ITimer _check;
    private int _checking;

    /// <param name="listening">Whether the entry listens now: checks run only then.</param>
    public BackendWatch(
        ProxyEntry entry,
        BackendConnector connector,
        ProxyOptions options,
        TimeProvider time,
        IEventBus events,
        ILogger logger,
        Action changed,
        Action<string> recordError,
        Func<bool> listening,
        CancellationToken stopping)
    {
        _entry = entry;
        _connector = connector;
        _options = options;
        _events = events;
        _logger = logger;
        _changed = changed;
        _recordError = recordError;
        _listening = listening;
        _stopping = stopping;
        Health = new BackendHealth(time);
        _check = time.CreateTimer(_ => _ = CheckAsync(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    public BackendHealth Health { get; }

    public void Start() => _check.Change(_options.BackendCheckInterval, _options.BackendCheckInterval);

    public ValueTask DisposeAsync() => _check.DisposeAsync();

    public async Task CheckAsync()
    {
        if (!_listening()
            || Health.SucceededWithin(_options.BackendCheckInterval)
            || Interlocked.Exchange(ref _checking, 1) != 0)
        {
            return;
        }

        try
        {
            using var socket = await _connector.ConnectAsync(_stopping);
            Reached();
        }
        catch (BackendUnavailableException ex)
        {
            Missed(ex.Message);
        }
        catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException)
        {
        }
        catch (Exception ex)
        {
            // Started without anyone awaiting it: log what would otherwise vanish; the next check tries again.
            LogBackendCheckFailed(_logger, _entry.Name, ex);
        }
        finally
        {
            Volatile.Write(ref _checking, 0);
        }
    }

    public void Reached()
    {
        if (Health.Reached())
        {
            LogBackendUp(_logger, _entry.Name, _entry.Backend);
            _events.Publish(CapabilityNames.Proxy, "backend_up", new ProxyBackendEvent(_entry.Name, _entry.Backend));
            _changed();
        }
    }

    public void Missed(string reason)
    {
        _recordError($"backend {_entry.Backend}: {reason}");
        if (Health.Missed(reason))
        {
            LogBackendDown(_logger, _entry.Name, _entry.Backend, reason);
            _events.Publish(CapabilityNames.Proxy, "backend_down", new ProxyBackendEvent(_entry.Name, _entry.Backend, reason));
            _changed();
        }
    }
}
