using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;

namespace Koi.Mdns.Transport;

internal sealed partial class UdpMdnsTransport
{
    [LoggerMessage(EventId = 401, Level = LogLevel.Warning, Message = "mDNS: cannot open {Family} socket on {Interface}")]
    private static partial void LogOpenFailed(ILogger logger, string @interface, string family, Exception exception);

    [LoggerMessage(EventId = 402, Level = LogLevel.Error, Message = "mDNS: receive loop on {Interface} died")]
    private static partial void LogReceiveLoopDied(ILogger logger, string @interface, Exception exception);

    [LoggerMessage(EventId = 403, Level = LogLevel.Error, Message = "mDNS: handling a packet from {Interface} failed")]
    private static partial void LogHandlerFailed(ILogger logger, string @interface, Exception exception);

    [LoggerMessage(EventId = 404, Level = LogLevel.Debug, Message = "mDNS: send on {Interface} to {Destination} failed: {Error}")]
    private static partial void LogSendFailed(ILogger logger, string @interface, IPEndPoint destination, SocketError error);

    [LoggerMessage(EventId = 405, Level = LogLevel.Information, Message = "mDNS: closed the {Family} socket on {Interface} (interface gone, down or readdressed)")]
    private static partial void LogSocketClosed(ILogger logger, string @interface, string family);
}
