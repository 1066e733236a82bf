using Koi.Dns.Protocol;
using Koi.Mdns.Caching;
using Koi.Mdns.Discovery;
using Koi.Mdns.Querying;
using Koi.Mdns.Responding;
using Koi.Mdns.Transport;
using Koi.Mdns.Wire;
using Microsoft.Extensions.Logging;

namespace Koi.Mdns.Engine;

/// <summary>
/// Every datagram the transport receives: decoded, told apart (our own looped back, a query, a response), and handed
/// to the querier, the responder and the cache, whose changes reach the service tracker.
/// </summary>
internal sealed partial class PacketDispatcher(
    EngineGate gate,
    EngineState state,
    PacketCounters counters,
    SentPacketLog sent,
    RecordCache cache,
    Querier querier,
    Responder responder,
    ServiceTracker tracker,
    ILogger logger)
{
    private readonly List<CachedRecord> _removed = [];

    /// <summary>A datagram from the transport. Never throws: a malformed packet is counted and dropped.</summary>
    public void OnPacket(ReceivedPacket packet)
    {
        counters.Received();
        if (!DnsMessageReader.TryRead(packet.Data.Span, out var message, out _))
        {
            counters.ReceivedMalformed();
            return;
        }

        try
        {
            gate.Run(now => Handle(packet, message, now));
        }
        catch (Exception ex)
        {
            // A bug must cost one packet, not the receive loop.
            LogPacketFailed(logger, packet.Source, ex);
        }
    }

    private void Handle(ReceivedPacket packet, DnsMessage message, DateTimeOffset now)
    {
        if (state.Stopped)
        {
            return;
        }

        var fromOwnMachine = state.Links.IsOwnAddress(packet.Source.Address);
        var fromSelf = fromOwnMachine && sent.Contains(packet.Data.Span, now);
        if (fromSelf)
        {
            counters.ReceivedOwn();
        }

        if (!message.Header.IsResponse)
        {
            if (!fromSelf)
            {
                querier.OnPeerQuery(packet, message);
            }

            responder.OnQuery(packet, message, fromSelf);
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
            responder.OnPeerResponse(packet, message, fromOwnMachine);
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
            var update = cache.Add(interfaceIndex, record, now, _removed);
            if (update != CacheUpdateKind.Ignored)
            {
                tracker.OnRecord(record, received: update != CacheUpdateKind.Goodbye);
            }

            foreach (var evicted in _removed)
            {
                tracker.OnRecord(evicted.Record, received: false);
            }
        }
    }
}
