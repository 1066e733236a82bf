using Microsoft.Extensions.Logging;

namespace Koi.Mdns.Transport;

internal sealed partial class InterfaceWatch
{
    [LoggerMessage(EventId = 406, Level = LogLevel.Error, Message = "mDNS: looking at the interfaces failed; trying again on the next check")]
    private static partial void LogCheckFailed(ILogger logger, Exception exception);
}
