using Koi.Dns.Protocol;

namespace Koi.Mdns.Tests.Fakes;

/// <summary>Questions about captured traffic.</summary>
internal static class Traffic
{
    public static DnsName Name(string text) => DnsName.Parse(text);

    public static bool IsProbeFor(this WireRecord record, string name) =>
        !record.Message.Header.IsResponse &&
        record.Message.Questions.Any(q => q.Name == Name(name) && q.Type == DnsType.ANY && q.UnicastResponse) &&
        record.Message.Authorities.Any(a => a.Name == Name(name));

    public static bool IsAnnouncementOf(this WireRecord record, string name, DnsType type) =>
        record.Message.Header.IsResponse && record.IsMulticast &&
        record.Message.Answers.Any(a => a.Name == Name(name) && a.Type == type && a.Ttl > 0);

    public static bool HasGoodbyeFor(this WireRecord record, string name, DnsType type) =>
        record.Message.Header.IsResponse &&
        record.Message.Answers.Any(a => a.Name == Name(name) && a.Type == type && a.Ttl == 0);

    public static bool Answers(this WireRecord record, string name, DnsType type) =>
        record.Message.Header.IsResponse && record.Message.Answers.Any(a => a.Name == Name(name) && a.Type == type);

    public static bool IsQueryFor(this WireRecord record, string name, DnsType type) =>
        !record.Message.Header.IsResponse && record.Message.Questions.Any(q => q.Name == Name(name) && q.Type == type);
}
