using System.Text.Json.Serialization;
using Koi.Core.Storage;

namespace Koi.Proxy.Backends;

[JsonConverter(typeof(SnakeCaseEnumConverter<BackendState>))]
internal enum BackendState
{
    Unknown,
    Reachable,
    Unreachable,
}

/// <summary>
/// Whether an entry's backend answered the last time anyone tried (a client connection or the periodic check).
/// Reports transitions so that a flapping backend logs one line each way, not one per connection.
/// </summary>
internal sealed class BackendHealth(TimeProvider time)
{
    private readonly Lock _gate = new();
    private BackendState _state;
    private string? _detail;
    private DateTimeOffset _since = time.GetUtcNow();
    private long _lastSuccess = long.MinValue;

    public (BackendState State, string? Detail, DateTimeOffset Since) Snapshot
    {
        get
        {
            lock (_gate)
            {
                return (_state, _detail, _since);
            }
        }
    }

    /// <summary>A connection succeeded within <paramref name="window"/>: the periodic check can skip this round.</summary>
    public bool SucceededWithin(TimeSpan window)
    {
        lock (_gate)
        {
            return _lastSuccess != long.MinValue && time.GetElapsedTime(_lastSuccess) < window;
        }
    }

    /// <returns>True when this changes the state (unknown/unreachable → reachable).</returns>
    public bool Reached()
    {
        lock (_gate)
        {
            _lastSuccess = time.GetTimestamp();
            return Set(BackendState.Reachable, null);
        }
    }

    /// <returns>True when this changes the state (unknown/reachable → unreachable).</returns>
    public bool Missed(string reason)
    {
        lock (_gate)
        {
            var changed = _state != BackendState.Unreachable;
            if (changed)
            {
                _since = time.GetUtcNow();
            }

            _state = BackendState.Unreachable;
            _detail = reason;
            return changed;
        }
    }

    private bool Set(BackendState state, string? detail)
    {
        if (_state == state)
        {
            return false;
        }

        _state = state;
        _detail = detail;
        _since = time.GetUtcNow();
        return true;
    }
}
