using Microsoft.Extensions.Logging;

namespace Koi.Proxy.Certificates;

internal sealed partial class DirectoryWatchHub
{
    [LoggerMessage(EventId = 33, Level = LogLevel.Warning, Message = "proxy: no inotify for certificate changes ({Reason}); every entry's certificate files are checked every few seconds instead")]
    private static partial void LogUnavailable(ILogger logger, string reason);

    [LoggerMessage(EventId = 34, Level = LogLevel.Error, Message = "proxy: reading certificate change events failed ({Reason}); every entry's certificate files are checked every few seconds instead")]
    private static partial void LogReaderFailed(ILogger logger, string reason);

    [LoggerMessage(EventId = 35, Level = LogLevel.Error, Message = "proxy: a certificate change notice failed")]
    private static partial void LogNoticeFailed(ILogger logger, Exception exception);
}
