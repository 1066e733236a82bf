namespace Koi.Dns.Tests.Support;

/// <summary>Builds query packets and decodes answers for tests.</summary>
internal static class Queries
{
    public static byte[] Build(string name, DnsType type, ushort id = 0x1234, OptRecord? edns = null, DnsClass @class = DnsClass.IN) =>
        DnsMessageWriter.Write(new DnsMessage
        {
            Header = new DnsHeader { Id = id, RecursionDesired = true },
            Questions = [new DnsQuestion(DnsName.Parse(name), type, @class)],
            Edns = edns,
        });

    public static List<string> Values(DnsMessage message, DnsType type) =>
        message.Answers.Where(r => r.Type == type).Select(r => r.Data.ToString()!).ToList();
}
