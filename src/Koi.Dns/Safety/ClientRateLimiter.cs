using System.Collections.Concurrent;

namespace Koi.Dns.Safety;

/// <summary>
/// A token bucket per client address (seed 001 §5.7: no amplification). The table is bounded: when it is full, clients
/// whose buckets have refilled (idle ones) are evicted; if none can be, a new client is refused rather than tracked.
/// </summary>
internal sealed class ClientRateLimiter
{
    private readonly ConcurrentDictionary<UInt128, Bucket> _buckets = new();
    private readonly TimeProvider _time;
    private readonly Lock _sweepGate = new();
    private readonly double _ticksPerToken;
    private readonly long _burstTicks;
    private int _count;

    public ClientRateLimiter(int queriesPerSecond, int burst, int maxClients, TimeProvider time)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(queriesPerSecond, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(burst, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxClients, 1);
        QueriesPerSecond = queriesPerSecond;
        Burst = burst;
        MaxClients = maxClients;
        _time = time;
        // Time is kept as "the moment the bucket is empty": one token is worth this many timestamp ticks.
        _ticksPerToken = (double)time.TimestampFrequency / queriesPerSecond;
        _burstTicks = (long)(_ticksPerToken * burst);
    }

    public int QueriesPerSecond { get; }

    public int Burst { get; }

    public int MaxClients { get; }

    public int TrackedClients => Volatile.Read(ref _count);

    public RateLimitDecision Check(ClientAddress client)
    {
        var now = _time.GetTimestamp();
        if (!_buckets.TryGetValue(client.Value, out var bucket))
        {
            if (Volatile.Read(ref _count) >= MaxClients && !TrySweep(now))
            {
                return RateLimitDecision.TableFull;
            }

            var fresh = new Bucket(now - _burstTicks);
            if (_buckets.TryAdd(client.Value, fresh))
            {
                Interlocked.Increment(ref _count);
                bucket = fresh;
            }
            else if (!_buckets.TryGetValue(client.Value, out bucket))
            {
                // Another thread added it and a sweep removed it again in between; it was idle, so it may go on.
                return RateLimitDecision.Allowed;
            }
        }

        return bucket.TryTake(now, (long)_ticksPerToken, _burstTicks) ? RateLimitDecision.Allowed : RateLimitDecision.OverRate;
    }

    /// <summary>Removes buckets that are full again; their clients lose nothing by being forgotten.</summary>
    private bool TrySweep(long now)
    {
        lock (_sweepGate)
        {
            if (Volatile.Read(ref _count) < MaxClients)
            {
                return true;
            }

            foreach (var (key, bucket) in _buckets)
            {
                if (bucket.IsFull(now, _burstTicks) && _buckets.TryRemove(key, out _))
                {
                    Interlocked.Decrement(ref _count);
                }
            }

            return Volatile.Read(ref _count) < MaxClients;
        }
    }

    private sealed class Bucket(long emptyAt)
    {
        private readonly Lock _gate = new();
        private long _emptyAt = emptyAt;

        public bool TryTake(long now, long ticksPerToken, long burstTicks)
        {
            lock (_gate)
            {
                // Tokens accumulate up to the burst: the "empty" moment never lies further back than burst tokens.
                var emptyAt = Math.Max(_emptyAt, now - burstTicks);
                if (emptyAt + ticksPerToken > now)
                {
                    return false;
                }

                _emptyAt = emptyAt + ticksPerToken;
                return true;
            }
        }

        public bool IsFull(long now, long burstTicks)
        {
            lock (_gate)
            {
                return _emptyAt <= now - burstTicks;
            }
        }
    }
}
