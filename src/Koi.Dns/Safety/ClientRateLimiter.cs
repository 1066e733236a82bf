using System.Collections.Concurrent;
using Koi.Core.Net;

namespace Koi.Dns.Safety;

/// <summary>
/// A token bucket per client (no amplification): per IPv4 address, per IPv6 /64 — one machine can use
/// any address of its /64, so counting IPv6 addresses one by one would give it (or a spoofer) millions of buckets
/// (<see cref="IpRanges.SourceBucket(UInt128)"/>). The table is bounded: when it is full, buckets that have refilled
/// (idle clients) are forgotten; if none has, the quarter that spent least recently is forgotten. A new client is
/// never refused for want of room — forgetting costs a busy client at most one fresh burst, refusing would let
/// spoofed sources lock every new client out.
/// With a slip of N, every Nth query a client makes over its rate is let through as <see cref="RateLimitDecision.Slip"/>
/// (a truncated reply that sends a real client whose address is being spoofed over to TCP, as BIND's RRL does).
/// </summary>
internal sealed class ClientRateLimiter
{
    private readonly ConcurrentDictionary<UInt128, Bucket> _buckets = new();
    private readonly TimeProvider _time;
    private readonly Lock _sweepGate = new();
    private readonly double _ticksPerToken;
    private readonly long _burstTicks;
    private int _count;

    /// <param name="slip">0: every query over the rate is refused; N: every Nth of them slips (gets a truncated reply).</param>
    public ClientRateLimiter(int queriesPerSecond, int burst, int maxClients, TimeProvider time, int slip = 0)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(queriesPerSecond, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(burst, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxClients, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(slip);
        QueriesPerSecond = queriesPerSecond;
        Burst = burst;
        MaxClients = maxClients;
        Slip = slip;
        _time = time;
        // Time is kept as "the moment the bucket is empty": one token is worth this many timestamp ticks.
        _ticksPerToken = (double)time.TimestampFrequency / queriesPerSecond;
        _burstTicks = (long)(_ticksPerToken * burst);
    }

    public int QueriesPerSecond { get; }

    public int Burst { get; }

    public int MaxClients { get; }

    /// <summary>Every how many over-rate queries of one client one slips; 0 for never.</summary>
    public int Slip { get; }

    public int TrackedClients => Volatile.Read(ref _count);

    public RateLimitDecision Check(ClientAddress client)
    {
        var now = _time.GetTimestamp();
        var key = IpRanges.SourceBucket(client.Value);
        if (!_buckets.TryGetValue(key, out var bucket))
        {
            if (Volatile.Read(ref _count) >= MaxClients)
            {
                MakeRoom(now);
            }

            var fresh = new Bucket(now - _burstTicks);
            if (_buckets.TryAdd(key, fresh))
            {
                Interlocked.Increment(ref _count);
                bucket = fresh;
            }
            else if (!_buckets.TryGetValue(key, out bucket))
            {
                // Another thread added it and a sweep removed it again in between; it was idle, so it may go on.
                return RateLimitDecision.Allowed;
            }
        }

        if (bucket.TryTake(now, (long)_ticksPerToken, _burstTicks, out var overRate))
        {
            return RateLimitDecision.Allowed;
        }

        return Slip > 0 && overRate % (uint)Slip == 0 ? RateLimitDecision.Slip : RateLimitDecision.OverRate;
    }

    /// <summary>
    /// Removes buckets that are full again (their clients lose nothing by being forgotten); when there are none, the
    /// quarter of the table that spent least recently. Runs only when the table is full, and then frees room for a
    /// quarter of it, so its cost is shared by that many new clients.
    /// </summary>
    private void MakeRoom(long now)
    {
        lock (_sweepGate)
        {
            if (Volatile.Read(ref _count) < MaxClients)
            {
                return;
            }

            foreach (var (key, bucket) in _buckets)
            {
                if (bucket.IsFull(now, _burstTicks))
                {
                    Forget(key);
                }
            }

            if (Volatile.Read(ref _count) < MaxClients)
            {
                return;
            }

            var all = _buckets.ToArray();
            Array.Sort(all, static (a, b) => a.Value.EmptyAt.CompareTo(b.Value.EmptyAt));
            var excess = Volatile.Read(ref _count) - MaxClients + 1;
            var forget = Math.Min(all.Length, Math.Max(excess, MaxClients / 4));
            for (var i = 0; i < forget; i++)
            {
                Forget(all[i].Key);
            }
        }
    }

    private void Forget(UInt128 key)
    {
        if (_buckets.TryRemove(key, out _))
        {
            Interlocked.Decrement(ref _count);
        }
    }

    /// <summary>One client's bucket: lock-free, since every receive thread may take from it at once.</summary>
    private sealed class Bucket(long emptyAt)
    {
        private long _emptyAt = emptyAt;
        private int _overRate;

        /// <param name="overRate">When refused: how many queries over the rate this client has made, this one included.</param>
        public bool TryTake(long now, long ticksPerToken, long burstTicks, out uint overRate)
        {
            while (true)
            {
                var current = Volatile.Read(ref _emptyAt);
                // Tokens accumulate up to the burst: the "empty" moment never lies further back than burst tokens.
                var emptyAt = Math.Max(current, now - burstTicks);
                if (emptyAt + ticksPerToken > now)
                {
                    overRate = (uint)Interlocked.Increment(ref _overRate);
                    return false;
                }

                if (Interlocked.CompareExchange(ref _emptyAt, emptyAt + ticksPerToken, current) == current)
                {
                    overRate = 0;
                    return true;
                }
            }
        }

        /// <summary>When the bucket is (was) empty: the earlier, the longer since this client spent.</summary>
        public long EmptyAt => Volatile.Read(ref _emptyAt);

        public bool IsFull(long now, long burstTicks) => Volatile.Read(ref _emptyAt) <= now - burstTicks;
    }
}
