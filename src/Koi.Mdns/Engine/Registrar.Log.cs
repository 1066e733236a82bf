using Microsoft.Extensions.Logging;

namespace Koi.Mdns.Engine;

internal sealed partial class Registrar
{
    [LoggerMessage(EventId = 424, Level = LogLevel.Information, Message = "mDNS: announced this daemon as {FullName}")]
    private static partial void LogSelfAnnounced(ILogger logger, string fullName);

    [LoggerMessage(EventId = 425, Level = LogLevel.Error, Message = "mDNS: announcing this daemon as _koi._tcp failed")]
    private static partial void LogSelfAnnounceFailed(ILogger logger, Exception exception);
}
