using Koi.Dns.Protocol;

namespace Koi.Mdns.Wire;

/// <summary>
/// Encodes an <see cref="OutgoingMessage"/> into datagrams that fit one Ethernet frame. A query whose known answers do
/// not fit goes out as several packets, all but the last with TC (RFC 6762 §7.2); a response too large for one packet
/// is split into several complete responses; additional records go where there is room, or are left out (§6.2).
/// </summary>
internal sealed class PacketComposer
{
    /// <summary>Fits an IPv6 (1500 − 40 − 8) or IPv4 frame with room to spare.</summary>
    public const int MaxMulticastSize = 1440;

    public const int MaxLegacyUnicastSize = 512;

    private readonly byte[] _buffer = new byte[MaxMulticastSize];
    private readonly DnsMessageWriter _writer;

    public PacketComposer()
    {
        _writer = new DnsMessageWriter(_buffer, DnsCompressionMode.Multicast);
    }

    public void Compose(OutgoingMessage message, List<byte[]> packets)
    {
        var size = message.IsLegacyUnicast ? MaxLegacyUnicastSize : MaxMulticastSize;
        // A legacy resolver may not understand compressed SRV targets (RFC 2782), so it gets the standard form.
        var mode = message.IsLegacyUnicast ? DnsCompressionMode.Standard : DnsCompressionMode.Multicast;
        var next = 0;
        var first = true;
        while (true)
        {
            _writer.Reset(_buffer.AsMemory(0, size), mode);
            if (first)
            {
                foreach (var question in message.Questions)
                {
                    _ = _writer.TryAddQuestion(question);
                }
            }

            var added = 0;
            while (next < message.Answers.Count && _writer.TryAddRecord(DnsSection.Answer, message.Answers[next]))
            {
                next++;
                added++;
            }

            if (next < message.Answers.Count)
            {
                if (added == 0 && !first)
                {
                    next++; // one record larger than a packet: leave it out rather than loop
                    continue;
                }

                var truncated = message.IsLegacyUnicast || !message.Header.IsResponse;
                packets.Add(Finish(message.Header with { IsTruncated = truncated }));
                if (message.IsLegacyUnicast)
                {
                    return;
                }

                first = false;
                continue;
            }

            AddAll(DnsSection.Authority, message.Authorities);
            AddAll(DnsSection.Additional, message.Additionals);
            if (_writer.QuestionCount > 0 || _writer.Count(DnsSection.Answer) > 0 || _writer.Count(DnsSection.Authority) > 0)
            {
                packets.Add(Finish(message.Header));
            }

            return;
        }
    }

    private void AddAll(DnsSection section, List<DnsResourceRecord> records)
    {
        foreach (var record in records)
        {
            _ = _writer.TryAddRecord(section, record);
        }
    }

    private byte[] Finish(DnsHeader header)
    {
        var length = _writer.Complete(header);
        return _buffer.AsSpan(0, length).ToArray();
    }
}
