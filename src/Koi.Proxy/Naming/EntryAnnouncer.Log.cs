using Microsoft.Extensions.Logging;

namespace Koi.Proxy.Naming;

internal sealed partial class EntryAnnouncer
{
    [LoggerMessage(EventId = 30, Level = LogLevel.Warning, Message = "proxy {Name}: announcing {ServiceType} failed; the entry is reachable by address only")]
    private static partial void LogAnnounceFailed(ILogger logger, string name, string serviceType, Exception exception);
}
