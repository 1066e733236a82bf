using Microsoft.Extensions.Logging;

namespace Koi.Certmesh.Membership;

internal sealed partial class MemberService
{
    [LoggerMessage(EventId = 3111, Level = LogLevel.Error, Message = "CA pin check failed")]
    private static partial void LogTickFailed(ILogger logger, Exception exception);
}
