using Microsoft.Extensions.Logging;

namespace Koi.Health.Monitoring;

internal sealed partial class TransitionRecorder
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "health: {Subject} {From} → {To} ({Reason})")]
    private static partial void LogTransition(ILogger logger, string subject, string from, string to, string reason);

    [LoggerMessage(EventId = 2, Level = LogLevel.Error, Message = "health: writing the transition log failed; the transition is still published")]
    private static partial void LogAppendFailed(ILogger logger, Exception exception);
}
