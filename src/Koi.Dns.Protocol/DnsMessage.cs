using Koi.Dns.Protocol.Records;

namespace Koi.Dns.Protocol;

/// <summary>
/// A whole DNS message (RFC 1035 §4.1). The EDNS OPT pseudo-record is not kept among <see cref="Additionals"/> but in
/// <see cref="Edns"/>; the writer puts it last in the additional section. Two messages are equal when their headers,
/// sections (in order) and EDNS data are.
/// </summary>
public sealed record DnsMessage
{
    public DnsHeader Header { get; init; }

    public IReadOnlyList<DnsQuestion> Questions { get; init; } = [];

    public IReadOnlyList<DnsResourceRecord> Answers { get; init; } = [];

    public IReadOnlyList<DnsResourceRecord> Authorities { get; init; } = [];

    public IReadOnlyList<DnsResourceRecord> Additionals { get; init; } = [];

    public OptRecord? Edns { get; init; }

    public bool Equals(DnsMessage? other) =>
        ReferenceEquals(this, other) ||
        (other is not null &&
         Header == other.Header &&
         Questions.SequenceEqual(other.Questions) &&
         Answers.SequenceEqual(other.Answers) &&
         Authorities.SequenceEqual(other.Authorities) &&
         Additionals.SequenceEqual(other.Additionals) &&
         Equals(Edns, other.Edns));

    public override int GetHashCode() =>
        HashCode.Combine(Header, Questions.Count, Answers.Count, Authorities.Count, Additionals.Count, Edns);
}
