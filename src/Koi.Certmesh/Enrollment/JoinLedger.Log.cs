using Microsoft.Extensions.Logging;

namespace Koi.Certmesh.Enrollment;

internal sealed partial class JoinLedger
{
    [LoggerMessage(EventId = 3018, Level = LogLevel.Error, Message = "certmesh enrollment limits unreadable ({Problem}); lockouts start over, codes valid now count as used")]
    private static partial void LogLimitsUnreadable(ILogger logger, string problem);
}
