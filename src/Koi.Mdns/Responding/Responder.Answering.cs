using System.Net;
using Koi.Dns.Protocol;
using Koi.Mdns.Transport;
using Koi.Mdns.Wire;

namespace Koi.Mdns.Responding;

/// <summary>Answering queries (RFC 6762 §5.4, §6, §6.7, §7.1) and watching other hosts' responses (§7.4, §9).</summary>
internal sealed partial class Responder
{
    private readonly List<DnsResourceRecord> _answers = [];
    private readonly List<DnsResourceRecord> _unicast = [];
    private readonly List<DnsResourceRecord> _multicast = [];

    /// <summary>A query arrived. <paramref name="fromSelf"/>: our own packet, looped back; answered, never treated as a rival probe.</summary>
    public void OnQuery(ReceivedPacket packet, DnsMessage message, bool fromSelf)
    {
        // §18.3, §18.11: queries with another opcode or a non-zero rcode are ignored.
        if (message.Header.Opcode != DnsOpcode.Query || message.Header.ResponseCode != DnsResponseCode.NoError ||
            _links.Interface(packet.Link.InterfaceIndex) is not { } nic)
        {
            return;
        }

        if (packet.Source.Port != MdnsWellKnown.Port)
        {
            // §11: a reply goes straight back to the source, so a source that is not on this link (a spoofed or routed
            // query) is ignored rather than answered across networks.
            if (nic.IsOnLink(packet.Source.Address))
            {
                AnswerLegacy(packet, message, nic);
            }

            return;
        }

        if (!fromSelf && message.Authorities.Count > 0)
        {
            OnPeerProbe(packet, message);
        }

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

        var now = _scheduler.Now;
        var isProbe = message.Authorities.Count > 0;
        _unicast.Clear();
        _multicast.Clear();
        foreach (var question in message.Questions)
        {
            _answers.Clear();
            _records.Answer(question, nic, _answers);
            foreach (var answer in _answers)
            {
                if (IsKnownAnswer(message, answer))
                {
                    continue;
                }

                // §5.4: a QU question is answered by unicast, unless the record has not been multicast on this link
                // within a quarter of its TTL, in which case everyone may as well hear it.
                var last = _rate.LastMulticast(packet.Link, answer);
                var recentlyMulticast = last is { } at && now - at < TimeSpan.FromSeconds(answer.Ttl / 4.0);
                LocalRecords.AddDistinct(question.UnicastResponse && recentlyMulticast ? _unicast : _multicast, answer);
            }
        }

        if (_unicast.Count > 0)
        {
            var direct = Response(packet.Link, packet.Source);
            direct.Answers.AddRange(_unicast);
            _records.Additionals(direct.Answers, nic, direct.Additionals);
            _outbox.Add(direct);
        }

        if (_multicast.Count > 0)
        {
            Multicast(packet, message, nic, isProbe, now);
        }
    }

    /// <summary>A response from another host: it may conflict with our names or make our pending answers redundant.</summary>
    public void OnPeerResponse(ReceivedPacket packet, DnsMessage message, bool fromOwnMachine)
    {
        if (_pending.TryGetValue(packet.Link, out var pending))
        {
            foreach (var record in message.Answers)
            {
                pending.Suppress(record);
            }
        }

        CheckConflicts(packet, message.Answers, fromOwnMachine);
        CheckConflicts(packet, message.Additionals, fromOwnMachine);
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
            var response = Response(packet.Link, null);
            foreach (var record in _multicast)
            {
                if (_rate.MayMulticast(packet.Link, record, now, defendingProbe: isProbe))
                {
                    response.Answers.Add(record);
                }
            }

            _records.Additionals(response.Answers, nic, response.Additionals);
            MarkMulticast(packet.Link, response, now);
            _outbox.Add(response);
            return;
        }

        if (!_pending.TryGetValue(packet.Link, out var pending))
        {
            var delay = message.Header.IsTruncated
                ? TimeSpan.FromMilliseconds(_random.Next(400, 501))
                : TimeSpan.FromMilliseconds(_random.Next(20, 121));
            var link = packet.Link;
            pending = new PendingResponse(_scheduler.After(delay, () => SendPending(link)));
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
        if (!_pending.Remove(link, out var pending) || _links.Interface(link.InterfaceIndex) is not { } nic)
        {
            return;
        }

        var now = _scheduler.Now;
        var response = Response(link, null);
        foreach (var record in pending.Records)
        {
            if (_rate.MayMulticast(link, record, now, defendingProbe: false))
            {
                response.Answers.Add(record);
            }
        }

        _records.Additionals(response.Answers, nic, response.Additionals);
        MarkMulticast(link, response, now);
        _outbox.Add(response);
    }

    /// <summary>
    /// §6.7: a resolver that is not an mDNS querier (source port not 5353) gets a conventional unicast reply: same id,
    /// the question repeated, TTLs of at most 10 s, and no cache-flush bits, which it would misread as a class.
    /// </summary>
    private void AnswerLegacy(ReceivedPacket packet, DnsMessage message, MdnsInterface nic)
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
            _records.Answer(question, nic, _answers);
        }

        if (_answers.Count == 0)
        {
            return;
        }

        _multicast.Clear();
        _records.Additionals(_answers, nic, _multicast);
        foreach (var answer in _answers)
        {
            reply.Answers.Add(ForLegacy(answer));
        }

        foreach (var additional in _multicast)
        {
            reply.Additionals.Add(ForLegacy(additional));
        }

        _outbox.Add(reply);
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

    private static OutgoingMessage Response(MdnsLink link, IPEndPoint? unicast) =>
        new(link, unicast, new DnsHeader { IsResponse = true, IsAuthoritativeAnswer = true });

    private void MarkMulticast(MdnsLink link, OutgoingMessage message, DateTimeOffset now)
    {
        foreach (var record in message.Answers)
        {
            _rate.Sent(link, record, now);
        }
    }
}
