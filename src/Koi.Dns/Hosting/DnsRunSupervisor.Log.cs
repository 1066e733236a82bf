using Microsoft.Extensions.Logging;

namespace Koi.Dns.Hosting;

internal sealed partial class DnsRunSupervisor
{
    [LoggerMessage(EventId = 30, Level = LogLevel.Information, Message = "DNS resolver for zone {Zone} listening on {Endpoints}")]
    private static partial void Serving(ILogger logger, string zone, string endpoints);

    [LoggerMessage(EventId = 31, Level = LogLevel.Error, Message = "DNS resolver could not start: {Reason}")]
    private static partial void ServeFailed(ILogger logger, string reason);

    [LoggerMessage(EventId = 32, Level = LogLevel.Warning, Message = "DNS resolver has no upstream (none configured, none usable in resolv.conf): names outside the zone get SERVFAIL")]
    private static partial void NoUpstreams(ILogger logger);

    [LoggerMessage(EventId = 33, Level = LogLevel.Warning, Message = "advertising the DNS resolver over mDNS failed")]
    private static partial void AdvertiseFailed(ILogger logger, Exception exception);
}
