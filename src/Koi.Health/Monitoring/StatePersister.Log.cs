using Microsoft.Extensions.Logging;

namespace Koi.Health.Monitoring;

internal sealed partial class StatePersister
{
    [LoggerMessage(EventId = 3, Level = LogLevel.Error, Message = "health: saving state/health.json failed; the change is kept in memory only")]
    private static partial void LogSaveFailed(ILogger logger, Exception exception);
}
