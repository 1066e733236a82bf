using Microsoft.Extensions.Logging;

namespace Koi.Mdns.Engine;

internal sealed partial class Registrar
{
    [LoggerMessage(EventId = 424, Level = LogLevel.Information, Message = "mDNS: announced this daemon as {FullName}")]
    private static partial void LogSelfAnnounced(ILogger logger, Koi.Dns.Protocol.DnsName fullName);

    [LoggerMessage(EventId = 425, Level = LogLevel.Error, Message = "mDNS: announcing this daemon as _koi._tcp failed")]
    private static partial void LogSelfAnnounceFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 429, Level = LogLevel.Warning, Message = "mDNS: this daemon ({FullName}) is not announced: no mDNS socket is open; it is announced once an interface comes up")]
    private static partial void LogSelfWaiting(ILogger logger, Koi.Dns.Protocol.DnsName fullName);
}
