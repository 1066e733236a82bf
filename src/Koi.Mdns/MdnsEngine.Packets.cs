using System.Net;
using Koi.Dns.Protocol;
using Koi.Mdns.Caching;
using Koi.Mdns.Transport;
using Koi.Mdns.Wire;

namespace Koi.Mdns;

/// <summary>
/// The engine's one way of doing anything: take the lock, change state, compose what must be sent, release the lock,
/// send. Packets, timers and API calls all go through <see cref="Run{T}"/>.
/// </summary>
public sealed partial class MdnsEngine
{
    private const string TickingDetail = "cache ticks every 1 s";
    private static readonly TimeSpan TickInterval = TimeSpan.FromSeconds(1);

    private readonly List<byte[]> _packets = [];

    /// <summary>Whether the scheduler's failed state is a tick's, which the next good tick may clear. Under the lock.</summary>
    private bool _tickFailing;

    private T Run<T>(Func<DateTimeOffset, T> work)
    {
        List<Datagram> datagrams;
        T result;
        lock (_gate)
        {
            var now = _time.GetUtcNow();
            try
            {
                result = work(now);
            }
            finally
            {
                AfterChange(now);
                datagrams = Compose(now);
            }
        }

        Send(datagrams);
        return result;
    }

    private void Run(Action<DateTimeOffset> work) => Run(now =>
    {
        work(now);
        return true;
    });

    /// <summary>A datagram from the transport. Never throws: a malformed packet is counted and dropped.</summary>
    private void OnPacket(ReceivedPacket packet)
    {
        Interlocked.Increment(ref _packetsIn);
        if (!DnsMessageReader.TryRead(packet.Data.Span, out var message, out _))
        {
            Interlocked.Increment(ref _malformed);
            return;
        }

        try
        {
            Run(now => Handle(packet, message, now));
        }
        catch (Exception ex)
        {
            // A bug must cost one packet, not the receive loop.
            LogPacketFailed(_logger, packet.Source, ex);
        }
    }

    private void Handle(ReceivedPacket packet, DnsMessage message, DateTimeOffset now)
    {
        if (_stopped)
        {
            return;
        }

        var fromOwnMachine = _links.IsOwnAddress(packet.Source.Address);
        var fromSelf = fromOwnMachine && _sent.Contains(packet.Data.Span, now);
        if (fromSelf)
        {
            Interlocked.Increment(ref _ownIgnored);
        }

        if (!message.Header.IsResponse)
        {
            if (!fromSelf)
            {
                _querier.OnPeerQuery(packet, message);
            }

            _responder.OnQuery(packet, message, fromSelf);
            return;
        }

        // §11: responses not from port 5353 are not mDNS; §18.3/§18.11: other opcodes and rcodes are ignored.
        if (packet.Source.Port != MdnsWellKnown.Port || message.Header.Opcode != DnsOpcode.Query ||
            message.Header.ResponseCode != DnsResponseCode.NoError)
        {
            return;
        }

        if (!fromSelf)
        {
            _responder.OnPeerResponse(packet, message, fromOwnMachine);
        }

        // Our own announcements are cached too, so this engine's browses see its own services.
        AddToCache(packet.Link.InterfaceIndex, message.Answers, now);
        AddToCache(packet.Link.InterfaceIndex, message.Additionals, now);
    }

    private void AddToCache(int interfaceIndex, IReadOnlyList<DnsResourceRecord> records, DateTimeOffset now)
    {
        foreach (var record in records)
        {
            if (record.Class != DnsClass.IN)
            {
                continue;
            }

            _removed.Clear();
            var update = _cache.Add(interfaceIndex, record, now, _removed);
            if (update != CacheUpdateKind.Ignored)
            {
                _tracker.OnRecord(record, received: update != CacheUpdateKind.Goodbye);
            }

            foreach (var evicted in _removed)
            {
                _tracker.OnRecord(evicted.Record, received: false);
            }
        }
    }

    private void OnTimer()
    {
        try
        {
            Run(_ => _scheduler.RunDue(OnScheduledFailure));
        }
        catch (Exception ex)
        {
            lock (_gate)
            {
                _tickFailing = false;
            }

            _schedulerHealth.Failed($"{ex.GetType().Name}: {ex.Message}");
            LogSchedulerFailed(_logger, ex);
        }
    }

    private void OnScheduledFailure(Exception ex)
    {
        // A throwing action is a bug; it is shown as failed rather than hidden, and the other actions keep running.
        // A later good tick must not hide it.
        _tickFailing = false;
        _schedulerHealth.Failed($"a scheduled action threw {ex.GetType().Name}: {ex.Message}");
        LogSchedulerFailed(_logger, ex);
    }

    /// <summary>Once a second: expire cache entries, ask for still-wanted answers nearing expiry, age the registry.</summary>
    private void Tick()
    {
        if (_stopped)
        {
            return;
        }

        try
        {
            var now = _scheduler.Now;
            _removed.Clear();
            _cache.Expire(now, _removed);
            foreach (var expired in _removed)
            {
                _tracker.OnRecord(expired.Record, received: false);
            }

            foreach (var cached in _cache.All)
            {
                if (_tracker.IsInteresting(cached.Record.Name) && cached.TakeRefreshDue(now, _random.NextDouble() * 0.02))
                {
                    _querier.Refresh(new NameTypeKey(cached.Record.Name, cached.Record.Type), cached.InterfaceIndex);
                }
            }

            _tracker.Tick(now);
            _responder.Prune(now);
            if (_tickFailing)
            {
                _tickFailing = false;
                _schedulerHealth.Running(TickingDetail);
            }
        }
        catch (Exception ex)
        {
            // Shown as failed until a tick succeeds again.
            _tickFailing = true;
            _schedulerHealth.Failed($"cache tick failed: {ex.GetType().Name}: {ex.Message}");
            LogTickFailed(_logger, ex);
        }
        finally
        {
            // Always the next tick: one bad tick must not end cache expiry and refreshes for good.
            _scheduler.After(TickInterval, Tick);
        }
    }

    private void AfterChange(DateTimeOffset now)
    {
        if (_stopped)
        {
            return;
        }

        _tracker.Process(now);
        if (_tracker.InterestChanged)
        {
            _tracker.Desired(_desired);
            _querier.Sync(_desired);
        }
    }

    private List<Datagram> Compose(DateTimeOffset now)
    {
        var messages = _outbox.Drain();
        var datagrams = new List<Datagram>(messages.Count);
        foreach (var message in messages)
        {
            _packets.Clear();
            _composer.Compose(message, _packets);
            foreach (var bytes in _packets)
            {
                _sent.Add(bytes, now);
                datagrams.Add(new Datagram(message.Link, message.Unicast, bytes));
            }
        }

        return datagrams;
    }

    private void Send(List<Datagram> datagrams)
    {
        foreach (var datagram in datagrams)
        {
            Interlocked.Increment(ref _packetsOut);
            _transport.Send(datagram.Link, datagram.Unicast, datagram.Bytes);
        }
    }

    private readonly record struct Datagram(MdnsLink Link, IPEndPoint? Unicast, byte[] Bytes);
}
