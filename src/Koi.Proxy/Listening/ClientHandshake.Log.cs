using Microsoft.Extensions.Logging;

namespace Koi.Proxy.Listening;

internal sealed partial class ClientHandshake
{
    [LoggerMessage(EventId = 6, Level = LogLevel.Debug, Message = "proxy {Name}: TLS handshake failed: {Error}")]
    private static partial void LogHandshakeFailed(ILogger logger, string name, string error);

    [LoggerMessage(EventId = 10, Level = LogLevel.Warning, Message = "proxy {Name}: client {Subject} (serial {Serial}) refused at the handshake: {Reason}")]
    private static partial void LogClientRefused(ILogger logger, string name, string subject, string serial, string reason);
}
