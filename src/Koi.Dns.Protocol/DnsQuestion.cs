namespace Koi.Dns.Protocol;

/// <summary>An entry of the question section (RFC 1035 §4.1.2).</summary>
public sealed record DnsQuestion
{
    public DnsQuestion(DnsName name, DnsType type, DnsClass @class = DnsClass.IN, bool unicastResponse = false)
    {
        Name = name;
        Type = type;
        Class = @class;
        UnicastResponse = unicastResponse;
    }

    public DnsName Name
    {
        get;
        init => field = value ?? throw new ArgumentNullException(nameof(value));
    }

    public DnsType Type { get; init; }

    /// <summary>The 15-bit class; the wire's top bit is <see cref="UnicastResponse"/>.</summary>
    public DnsClass Class
    {
        get;
        init => field = DnsClassBits.Require15Bits(value);
    }

    /// <summary>mDNS "QU": the querier asks for a unicast reply (RFC 6762 §5.4). The top bit of QCLASS.</summary>
    public bool UnicastResponse { get; init; }
}
