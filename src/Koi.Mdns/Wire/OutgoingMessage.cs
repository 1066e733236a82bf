using System.Net;
using Koi.Dns.Protocol;
using Koi.Mdns.Transport;

namespace Koi.Mdns.Wire;

/// <summary>A message the engine wants on the wire: where to, and its sections in wire order.</summary>
internal sealed class OutgoingMessage(MdnsLink link, IPEndPoint? unicast, DnsHeader header)
{
    public MdnsLink Link { get; } = link;

    /// <summary>Null: the link's multicast group.</summary>
    public IPEndPoint? Unicast { get; } = unicast;

    public DnsHeader Header { get; } = header;

    public List<DnsQuestion> Questions { get; } = [];

    public List<DnsResourceRecord> Answers { get; } = [];

    public List<DnsResourceRecord> Authorities { get; } = [];

    public List<DnsResourceRecord> Additionals { get; } = [];

    /// <summary>Legacy unicast replies are cut with TC at 512 bytes instead of split (RFC 6762 §6.7).</summary>
    public bool IsLegacyUnicast { get; init; }

    public bool IsEmpty => Questions.Count == 0 && Answers.Count == 0 && Authorities.Count == 0;

    /// <summary>An authoritative response, to the link's group or to <paramref name="unicast"/>.</summary>
    public static OutgoingMessage Response(MdnsLink link, IPEndPoint? unicast) =>
        new(link, unicast, new DnsHeader { IsResponse = true, IsAuthoritativeAnswer = true });
}
