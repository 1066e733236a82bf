using Microsoft.Extensions.Logging;

namespace Koi.Proxy;

internal sealed partial class ProxyService
{
    [LoggerMessage(EventId = 20, Level = LogLevel.Information, Message = "proxy {Name}: added, {Listen} → {Backend}, certificate from {Directory}")]
    private static partial void LogEntryAdded(ILogger logger, string name, string listen, string backend, string directory);

    [LoggerMessage(EventId = 21, Level = LogLevel.Information, Message = "proxy {Name}: removed")]
    private static partial void LogEntryRemoved(ILogger logger, string name);

    [LoggerMessage(EventId = 22, Level = LogLevel.Error, Message = "proxy: {Problem}")]
    private static partial void LogStateUnreadable(ILogger logger, string problem);
}
