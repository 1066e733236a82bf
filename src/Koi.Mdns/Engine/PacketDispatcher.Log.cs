using System.Net;
using Microsoft.Extensions.Logging;

namespace Koi.Mdns.Engine;

internal sealed partial class PacketDispatcher
{
    [LoggerMessage(EventId = 422, Level = LogLevel.Error, Message = "mDNS: handling a packet from {Source} failed")]
    private static partial void LogPacketFailed(ILogger logger, IPEndPoint source, Exception exception);
}
