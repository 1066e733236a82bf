using Microsoft.Extensions.Logging;

namespace Koi.Proxy.Listening;

internal sealed partial class ProxyListener
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "proxy {Name}: listening on {Listen} → {Backend} (certificate serial {Serial})")]
    private static partial void LogListening(ILogger logger, string name, string listen, string backend, string serial);

    [LoggerMessage(EventId = 2, Level = LogLevel.Error, Message = "proxy {Name}: {Reason}; retrying")]
    private static partial void LogListenerFailed(ILogger logger, string name, string reason);

    [LoggerMessage(EventId = 5, Level = LogLevel.Warning, Message = "proxy {Name}: backend {Backend} is allowed off this machine (--backend-remote): the hop from the proxy to it is NOT encrypted")]
    private static partial void LogRemoteBackend(ILogger logger, string name, string backend);

    [LoggerMessage(EventId = 7, Level = LogLevel.Error, Message = "proxy {Name}: connection failed unexpectedly")]
    private static partial void LogConnectionFailed(ILogger logger, string name, Exception exception);
}
