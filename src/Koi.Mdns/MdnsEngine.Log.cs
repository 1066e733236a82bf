using System.Net;
using Microsoft.Extensions.Logging;

namespace Koi.Mdns;

public sealed partial class MdnsEngine
{
    [LoggerMessage(EventId = 421, Level = LogLevel.Information, Message = "mDNS: running on {Interfaces} interfaces as {HostName}")]
    private static partial void LogStarted(ILogger logger, int interfaces, string hostName);

    [LoggerMessage(EventId = 422, Level = LogLevel.Error, Message = "mDNS: handling a packet from {Source} failed")]
    private static partial void LogPacketFailed(ILogger logger, IPEndPoint source, Exception exception);

    [LoggerMessage(EventId = 423, Level = LogLevel.Error, Message = "mDNS: a scheduled action failed")]
    private static partial void LogSchedulerFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 424, Level = LogLevel.Information, Message = "mDNS: announced this daemon as {FullName}")]
    private static partial void LogSelfAnnounced(ILogger logger, string fullName);

    [LoggerMessage(EventId = 425, Level = LogLevel.Error, Message = "mDNS: announcing this daemon as _koi._tcp failed")]
    private static partial void LogSelfAnnounceFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 426, Level = LogLevel.Error, Message = "mDNS: no socket is open, so nothing is sent or received: {Reason}")]
    private static partial void LogNoSockets(ILogger logger, string reason);

    [LoggerMessage(EventId = 427, Level = LogLevel.Error, Message = "mDNS: a cache tick failed; the next one runs in a second")]
    private static partial void LogTickFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 428, Level = LogLevel.Information, Message = "mDNS: interfaces changed; now on {Interfaces} with {Addresses}")]
    private static partial void LogLinksChanged(ILogger logger, string interfaces, string addresses);
}
