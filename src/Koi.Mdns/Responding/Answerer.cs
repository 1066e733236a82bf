using Koi.Dns.Protocol;
using Koi.Mdns.Scheduling;
using Koi.Mdns.Transport;
using Koi.Mdns.Wire;

namespace Koi.Mdns.Responding;

/// <summary>Answering queries (RFC 6762 §5.4, §6, §6.7, §7.1), at once or after a delay that other answers may make redundant (§7.4).</summary>
internal sealed class Answerer(EngineScheduler scheduler, Random random, Outbox outbox, ResponderState state)
{
    private const uint LegacyUnicastMaxTtl = 10;

    private readonly Dictionary<MdnsLink, PendingResponse> _pending = [];
    private readonly List<DnsResourceRecord> _answers = [];
    private readonly List<DnsResourceRecord> _unicast = [];
    private readonly List<DnsResourceRecord> _multicast = [];

    /// <summary>A query from an mDNS querier (port 5353) on <paramref name="nic"/>: answered now, later, or not at all.</summary>
    public void Answer(ReceivedPacket packet, DnsMessage message, MdnsInterface nic)
    {
        if (message.Questions.Count == 0)
        {
            // The rest of a truncated query: its known answers may prune what we are about to say to that querier.
            if (_pending.TryGetValue(packet.Link, out var waiting) && Equals(waiting.TruncatedFrom, packet.Source))
            {
                foreach (var known in message.Answers)
                {
                    waiting.Suppress(known);
                }
            }

            return;
        }

        var now = scheduler.Now;
        var isProbe = message.Authorities.Count > 0;
        _unicast.Clear();
        _multicast.Clear();
        foreach (var question in message.Questions)
        {
            _answers.Clear();
            state.Records.Answer(question, nic, _answers);
            foreach (var answer in _answers)
            {
                if (IsKnownAnswer(message, answer))
                {
                    continue;
                }

                // §5.4: a QU question is answered by unicast, unless the record has not been multicast on this link
                // within a quarter of its TTL, in which case everyone may as well hear it.
                var last = state.Rate.LastMulticast(packet.Link, answer);
                var recentlyMulticast = last is { } at && now - at < TimeSpan.FromSeconds(answer.Ttl / 4.0);
                LocalRecords.AddDistinct(question.UnicastResponse && recentlyMulticast ? _unicast : _multicast, answer);
            }
        }

        if (_unicast.Count > 0)
        {
            var direct = OutgoingMessage.Response(packet.Link, packet.Source);
            direct.Answers.AddRange(_unicast);
            state.Records.Additionals(direct.Answers, nic, direct.Additionals);
            outbox.Add(direct);
        }

        if (_multicast.Count > 0)
        {
            Multicast(packet, message, nic, isProbe, now);
        }
    }

    /// <summary>Another host's answers make the same answers pending here redundant (RFC 6762 §7.4).</summary>
    public void SuppressAnswered(ReceivedPacket packet, DnsMessage message)
    {
        if (_pending.TryGetValue(packet.Link, out var pending))
        {
            foreach (var record in message.Answers)
            {
                pending.Suppress(record);
            }
        }
    }

    /// <summary>Drops every delayed answer, as the engine stops.</summary>
    public void CancelPending()
    {
        foreach (var pending in _pending.Values)
        {
            pending.Work.Cancel();
        }

        _pending.Clear();
    }

    private void Multicast(ReceivedPacket packet, DnsMessage message, MdnsInterface nic, bool isProbe, DateTimeOffset now)
    {
        var allUnique = true;
        foreach (var record in _multicast)
        {
            allUnique &= record.CacheFlush;
        }

        // §6: answers only we can give go out at once; shared ones wait 20–120 ms so responders do not collide, and
        // 400–500 ms after a truncated query, whose known answers are still coming.
        if (allUnique && !message.Header.IsTruncated)
        {
            var response = OutgoingMessage.Response(packet.Link, null);
            foreach (var record in _multicast)
            {
                if (state.Rate.MayMulticast(packet.Link, record, now, defendingProbe: isProbe))
                {
                    response.Answers.Add(record);
                }
            }

            state.Records.Additionals(response.Answers, nic, response.Additionals);
            state.Rate.Sent(packet.Link, response, now);
            outbox.Add(response);
            return;
        }

        if (!_pending.TryGetValue(packet.Link, out var pending))
        {
            var delay = message.Header.IsTruncated
                ? TimeSpan.FromMilliseconds(random.Next(400, 501))
                : TimeSpan.FromMilliseconds(random.Next(20, 121));
            var link = packet.Link;
            pending = new PendingResponse(scheduler.After(delay, () => SendPending(link)));
            _pending[link] = pending;
        }

        if (message.Header.IsTruncated)
        {
            pending.TruncatedFrom = packet.Source;
        }

        foreach (var record in _multicast)
        {
            pending.Add(record);
        }
    }

    private void SendPending(MdnsLink link)
    {
        if (!_pending.Remove(link, out var pending) || state.Links.Interface(link.InterfaceIndex) is not { } nic)
        {
            return;
        }

        var now = scheduler.Now;
        var response = OutgoingMessage.Response(link, null);
        foreach (var record in pending.Records)
        {
            if (state.Rate.MayMulticast(link, record, now, defendingProbe: false))
            {
                response.Answers.Add(record);
            }
        }

        state.Records.Additionals(response.Answers, nic, response.Additionals);
        state.Rate.Sent(link, response, now);
        outbox.Add(response);
    }

    /// <summary>
    /// §6.7: a resolver that is not an mDNS querier (source port not 5353) gets a conventional unicast reply: same id,
    /// the question repeated, TTLs of at most 10 s, and no cache-flush bits, which it would misread as a class.
    /// </summary>
    public void AnswerLegacy(ReceivedPacket packet, DnsMessage message, MdnsInterface nic)
    {
        var reply = new OutgoingMessage(
            packet.Link,
            packet.Source,
            new DnsHeader { Id = message.Header.Id, IsResponse = true, IsAuthoritativeAnswer = true })
        {
            IsLegacyUnicast = true,
        };
        _answers.Clear();
        foreach (var question in message.Questions)
        {
            reply.Questions.Add(question with { UnicastResponse = false });
            state.Records.Answer(question, nic, _answers);
        }

        if (_answers.Count == 0)
        {
            return;
        }

        _multicast.Clear();
        state.Records.Additionals(_answers, nic, _multicast);
        foreach (var answer in _answers)
        {
            reply.Answers.Add(ForLegacy(answer));
        }

        foreach (var additional in _multicast)
        {
            reply.Additionals.Add(ForLegacy(additional));
        }

        outbox.Add(reply);
    }

    private static DnsResourceRecord ForLegacy(DnsResourceRecord record) =>
        record with { Ttl = Math.Min(record.Ttl, LegacyUnicastMaxTtl), CacheFlush = false };

    /// <summary>§7.1: the querier listed the record with at least half its TTL left; it needs no answer.</summary>
    private static bool IsKnownAnswer(DnsMessage query, DnsResourceRecord answer)
    {
        foreach (var known in query.Answers)
        {
            if (Caching.RecordIdentity.Same(known, answer) && known.Ttl >= answer.Ttl / 2)
            {
                return true;
            }
        }

        return false;
    }
}
