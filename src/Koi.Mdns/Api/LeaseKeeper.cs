using Koi.Core.Status;
using Microsoft.Extensions.Logging;

namespace Koi.Mdns.Api;

/// <summary>
/// Registrations made over HTTP are leases: a client heart-beats them, and one that stops has its service withdrawn
/// (with goodbyes) once the lease and a grace period have run out — so services whose owner vanished really vanish.
/// </summary>
internal sealed partial class LeaseKeeper : IDisposable
{
    public static readonly TimeSpan DefaultLease = TimeSpan.FromSeconds(90);
    public static readonly TimeSpan Grace = TimeSpan.FromSeconds(30);
    public static readonly TimeSpan MinLease = TimeSpan.FromSeconds(10);
    public static readonly TimeSpan MaxLease = TimeSpan.FromDays(1);
    private static readonly TimeSpan SweepInterval = TimeSpan.FromSeconds(1);

    private readonly Func<string, Task<bool>> _withdraw;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ComponentHealth _health;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, Lease> _leases = new(StringComparer.Ordinal);

    /// <summary>Expired registrations still to be withdrawn (id → failed attempts); retried every sweep until gone.</summary>
    private readonly Dictionary<string, int> _withdrawals = new(StringComparer.Ordinal);
    private ITimer? _timer;
    private int _sweeping;

    public LeaseKeeper(MdnsEngine engine, TimeProvider time, StatusRegistry status, ILogger logger)
        : this(engine.UnregisterAsync, time, status, logger)
    {
    }

    /// <param name="withdraw">Withdraws a registration with goodbyes; false when it is already gone.</param>
    internal LeaseKeeper(Func<string, Task<bool>> withdraw, TimeProvider time, StatusRegistry status, ILogger logger)
    {
        _withdraw = withdraw;
        _time = time;
        _logger = logger;
        _health = status.Register("mdns", "leases");
    }

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _leases.Count;
            }
        }
    }

    public void Start()
    {
        _timer = _time.CreateTimer(_ => Sweep(), null, SweepInterval, SweepInterval);
        _health.Running("0 leases");
    }

    /// <summary>Leases are never swept because the engine did not start; status says so instead of "starting".</summary>
    public void NotStarted(string reason) => _health.Disabled(reason);

    public Lease Add(string id, TimeSpan length)
    {
        var lease = new Lease(id, length, _time.GetUtcNow() + length);
        lock (_gate)
        {
            _leases[id] = lease;
        }

        return lease;
    }

    /// <summary>Renews a lease for its full length; null when the id has no lease (unknown or already withdrawn).</summary>
    public Lease? Heartbeat(string id)
    {
        lock (_gate)
        {
            if (!_leases.TryGetValue(id, out var lease))
            {
                return null;
            }

            var renewed = lease with { ExpiresAt = _time.GetUtcNow() + lease.Length };
            _leases[id] = renewed;
            return renewed;
        }
    }

    public Lease? Get(string id)
    {
        lock (_gate)
        {
            return _leases.GetValueOrDefault(id);
        }
    }

    public void Remove(string id)
    {
        lock (_gate)
        {
            _leases.Remove(id);
        }
    }

    public void Dispose()
    {
        _timer?.Dispose();
        _health.Stopped("shut down");
    }

    private void Sweep() => _ = SweepAsync();

    private async Task SweepAsync()
    {
        // Withdrawals complete at once today; should one ever take longer than a period, sweeps must not overlap.
        if (Interlocked.Exchange(ref _sweeping, 1) == 1)
        {
            return;
        }

        try
        {
            var now = _time.GetUtcNow();
            List<string> due;
            lock (_gate)
            {
                foreach (var lease in _leases.Values)
                {
                    if (now >= lease.ExpiresAt + Grace)
                    {
                        _withdrawals.TryAdd(lease.Id, 0);
                    }
                }

                foreach (var id in _withdrawals.Keys)
                {
                    if (_leases.Remove(id))
                    {
                        LogLeaseExpired(_logger, id);
                    }
                }

                due = [.. _withdrawals.Keys];
            }

            // Each on its own: one that throws must not leave the others announced, and it stays queued for the next
            // sweep, since a lease-less registration would otherwise stay announced for good.
            string? failure = null;
            foreach (var id in due)
            {
                try
                {
                    await _withdraw(id); // false: already withdrawn (e.g. over HTTP), which is just as good
                    lock (_gate)
                    {
                        _withdrawals.Remove(id);
                    }
                }
                catch (Exception ex)
                {
                    failure = $"{ex.GetType().Name}: {ex.Message}";
                    int attempts;
                    lock (_gate)
                    {
                        attempts = _withdrawals[id] += 1;
                    }

                    if (attempts == 1)
                    {
                        LogWithdrawFailed(_logger, id, ex); // once per registration, not every second
                    }
                }
            }

            int count;
            int stuck;
            lock (_gate)
            {
                count = _leases.Count;
                stuck = _withdrawals.Count;
            }

            if (stuck > 0)
            {
                _health.Failed($"{stuck} expired registrations could not be withdrawn, retrying every second: {failure}");
            }
            else
            {
                _health.Running($"{count} leases");
            }
        }
        catch (Exception ex)
        {
            _health.Failed($"lease sweep failed: {ex.GetType().Name}: {ex.Message}");
            LogSweepFailed(_logger, ex);
        }
        finally
        {
            Volatile.Write(ref _sweeping, 0);
        }
    }

    [LoggerMessage(EventId = 431, Level = LogLevel.Information, Message = "mDNS: lease of registration {Id} ran out; withdrawing it")]
    private static partial void LogLeaseExpired(ILogger logger, string id);

    [LoggerMessage(EventId = 432, Level = LogLevel.Error, Message = "mDNS: lease sweep failed")]
    private static partial void LogSweepFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 433, Level = LogLevel.Error, Message = "mDNS: withdrawing expired registration {Id} failed; retrying every second")]
    private static partial void LogWithdrawFailed(ILogger logger, string id, Exception exception);
}

/// <summary>An HTTP registration's lease: withdrawn when <see cref="ExpiresAt"/> plus the grace period passes.</summary>
internal sealed record Lease(string Id, TimeSpan Length, DateTimeOffset ExpiresAt);
