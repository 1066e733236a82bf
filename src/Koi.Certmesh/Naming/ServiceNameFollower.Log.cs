using Microsoft.Extensions.Logging;

namespace Koi.Certmesh.Naming;

internal sealed partial class ServiceNameFollower
{
    [LoggerMessage(EventId = 3140, Level = LogLevel.Warning, Message = "certmesh could not re-issue this machine's certificate for its service names or addresses: {Reason}")]
    private static partial void LogFollowFailed(ILogger logger, string reason);
}
