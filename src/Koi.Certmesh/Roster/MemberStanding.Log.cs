using Microsoft.Extensions.Logging;

namespace Koi.Certmesh.Roster;

internal sealed partial class MemberStanding
{
    [LoggerMessage(EventId = 3017, Level = LogLevel.Warning, Message = "certmesh member {Hostname} revoked by {By}")]
    private static partial void LogMemberRevoked(ILogger logger, string hostname, string by);
}
