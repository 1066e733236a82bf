using Microsoft.Extensions.Logging;

namespace Koi.Proxy.Routing;

internal sealed partial class PortListener
{
    [LoggerMessage(EventId = 20, Level = LogLevel.Error, Message = "proxy port {Listen}: listener failed unexpectedly; retrying")]
    private static partial void LogPortLoopFailed(ILogger logger, string listen, Exception exception);

    [LoggerMessage(EventId = 21, Level = LogLevel.Warning, Message = "proxy port {Listen}: accept: {Error}; backing off")]
    private static partial void LogAcceptBackoff(ILogger logger, string listen, string error);

    [LoggerMessage(EventId = 22, Level = LogLevel.Debug, Message = "proxy port {Listen}: no entry serves {Name}; closed with a TLS alert")]
    private static partial void LogUnrouted(ILogger logger, string listen, string name);
}
