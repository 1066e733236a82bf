using Microsoft.Extensions.Logging;

namespace Koi.Mdns.Engine;

internal sealed partial class EngineLinks
{
    [LoggerMessage(EventId = 421, Level = LogLevel.Information, Message = "mDNS: running on {Interfaces} interfaces as {HostName}")]
    private static partial void LogStarted(ILogger logger, int interfaces, string hostName);

    [LoggerMessage(EventId = 426, Level = LogLevel.Error, Message = "mDNS: no socket is open, so nothing is sent or received: {Reason}")]
    private static partial void LogNoSockets(ILogger logger, string reason);

    [LoggerMessage(EventId = 428, Level = LogLevel.Information, Message = "mDNS: interfaces changed; now on {Interfaces} with {Addresses}")]
    private static partial void LogLinksChanged(ILogger logger, string interfaces, string addresses);
}
