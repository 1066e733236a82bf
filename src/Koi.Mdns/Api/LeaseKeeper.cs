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

    private readonly MdnsEngine _engine;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ComponentHealth _health;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, Lease> _leases = new(StringComparer.Ordinal);
    private ITimer? _timer;

    public LeaseKeeper(MdnsEngine engine, TimeProvider time, StatusRegistry status, ILogger logger)
    {
        _engine = engine;
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

    private void Sweep()
    {
        try
        {
            var now = _time.GetUtcNow();
            List<string>? expired = null;
            int count;
            lock (_gate)
            {
                foreach (var lease in _leases.Values)
                {
                    if (now >= lease.ExpiresAt + Grace)
                    {
                        (expired ??= []).Add(lease.Id);
                    }
                }

                if (expired is not null)
                {
                    foreach (var id in expired)
                    {
                        _leases.Remove(id);
                    }
                }

                count = _leases.Count;
            }

            if (expired is not null)
            {
                foreach (var id in expired)
                {
                    LogLeaseExpired(_logger, id);
                    _ = _engine.UnregisterAsync(id);
                }
            }

            _health.Running($"{count} leases");
        }
        catch (Exception ex)
        {
            _health.Failed($"lease sweep failed: {ex.GetType().Name}: {ex.Message}");
            LogSweepFailed(_logger, ex);
        }
    }

    [LoggerMessage(EventId = 431, Level = LogLevel.Information, Message = "mDNS: lease of registration {Id} ran out; withdrawing it")]
    private static partial void LogLeaseExpired(ILogger logger, string id);

    [LoggerMessage(EventId = 432, Level = LogLevel.Error, Message = "mDNS: lease sweep failed")]
    private static partial void LogSweepFailed(ILogger logger, Exception exception);
}

/// <summary>An HTTP registration's lease: withdrawn when <see cref="ExpiresAt"/> plus the grace period passes.</summary>
internal sealed record Lease(string Id, TimeSpan Length, DateTimeOffset ExpiresAt);
