using Microsoft.Extensions.Logging;

namespace Koi.Mdns.Engine;

internal sealed partial class EngineClock
{
    [LoggerMessage(EventId = 423, Level = LogLevel.Error, Message = "mDNS: a scheduled action failed")]
    private static partial void LogSchedulerFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 427, Level = LogLevel.Error, Message = "mDNS: a cache tick failed; the next one runs in a second")]
    private static partial void LogTickFailed(ILogger logger, Exception exception);
}
