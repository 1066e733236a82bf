using Microsoft.Extensions.Logging;

namespace Koi.Certmesh.Audit;

internal sealed partial class AuditHeadSigner
{
    [LoggerMessage(EventId = 3043, Level = LogLevel.Error, Message = "certmesh audit head at line {Seq} signed but not saved in the roster")]
    private static partial void LogHeadNotSaved(ILogger logger, long seq, Exception exception);
}
