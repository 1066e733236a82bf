using Microsoft.Extensions.Logging;

namespace Koi.Certmesh.Enrollment;

internal sealed partial class JoinApprovals
{
    [LoggerMessage(EventId = 3016, Level = LogLevel.Information, Message = "certmesh join request from {Hostname} ({From}) denied")]
    private static partial void LogJoinDenied(ILogger logger, string hostname, string from);
}
