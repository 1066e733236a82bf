using Microsoft.Extensions.Logging;

namespace Koi.Proxy.Backends;

internal sealed partial class BackendWatch
{
    [LoggerMessage(EventId = 3, Level = LogLevel.Warning, Message = "proxy {Name}: backend {Backend} unreachable: {Reason}; clients are closed until it answers")]
    private static partial void LogBackendDown(ILogger logger, string name, string backend, string reason);

    [LoggerMessage(EventId = 4, Level = LogLevel.Information, Message = "proxy {Name}: backend {Backend} reachable")]
    private static partial void LogBackendUp(ILogger logger, string name, string backend);

    [LoggerMessage(EventId = 9, Level = LogLevel.Error, Message = "proxy {Name}: backend check failed unexpectedly")]
    private static partial void LogBackendCheckFailed(ILogger logger, string name, Exception exception);
}
