using Microsoft.Extensions.Logging;

namespace Koi.Health.Monitoring;

internal sealed partial class CheckScheduler
{
    [LoggerMessage(EventId = 10, Level = LogLevel.Error, Message = "health: the loop of check {Name} died; it no longer runs")]
    private static partial void LogRunnerDied(ILogger logger, string name, Exception exception);

    [LoggerMessage(EventId = 11, Level = LogLevel.Warning, Message = "health: probe of check {Name} threw; counted as down")]
    private static partial void LogProbeFailed(ILogger logger, string name, Exception exception);
}
