using Microsoft.Extensions.Logging;

namespace Koi.Certmesh.Audit;

internal sealed partial class CaAuditTrail
{
    [LoggerMessage(EventId = 3004, Level = LogLevel.Error, Message = "certmesh audit event {Event} could not be written")]
    private static partial void LogAuditFailed(ILogger logger, string @event, Exception exception);
}
