using Koi.Dns.Protocol;
using Koi.Dns.Safety;
using Koi.Dns.Zone;
using Microsoft.Extensions.Logging;

namespace Koi.Dns.Resolving;

// Query logs are privacy-sensitive: debug level only. The arguments are passed as they are and only
// formatted when debug logging is on, so the hot path pays nothing otherwise.
internal sealed partial class QueryHandler
{
    private void LogForwarding(ClientAddress client, DnsQuestion question) =>
        QueryForwarded(logger, client, question.Name, question.Type);

    private void LogAnswering(ClientAddress client, DnsQuestion question, ZoneNode? node) =>
        QueryAnswered(logger, client, question.Name, question.Type, node?.Source);

    [LoggerMessage(EventId = 1, Level = LogLevel.Debug, Message = "query from {Client}: {Name} {Type} answered from {Source} (none: NXDOMAIN)")]
    private static partial void QueryAnswered(ILogger logger, ClientAddress client, DnsName name, DnsType type, ZoneSource? source);

    [LoggerMessage(EventId = 2, Level = LogLevel.Debug, Message = "query from {Client}: {Name} {Type} forwarded")]
    private static partial void QueryForwarded(ILogger logger, ClientAddress client, DnsName name, DnsType type);
}
