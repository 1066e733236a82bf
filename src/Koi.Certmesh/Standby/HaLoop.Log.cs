using Microsoft.Extensions.Logging;

namespace Koi.Certmesh.Standby;

internal sealed partial class HaLoop
{
    [LoggerMessage(EventId = 4601, Level = LogLevel.Warning, Message = "certmesh HA check failed")]
    private static partial void LogTickFailed(ILogger logger, Exception ex);

    [LoggerMessage(EventId = 4602, Level = LogLevel.Warning, Message = "standby took over as primary (epoch {Epoch}): {Reason}")]
    private static partial void LogTookOver(ILogger logger, long epoch, string reason);

    [LoggerMessage(EventId = 4603, Level = LogLevel.Warning, Message = "this CA deferred to {Primary} (epoch {Epoch}) and stopped signing")]
    private static partial void LogDeferred(ILogger logger, string primary, long epoch);

    [LoggerMessage(EventId = 4604, Level = LogLevel.Warning, Message = "standby sync failed: {Reason}")]
    private static partial void LogSyncFailed(ILogger logger, string reason);

    [LoggerMessage(EventId = 4605, Level = LogLevel.Warning, Message = "standby now follows {Primary} (epoch {Epoch}): {Reason}")]
    private static partial void LogFollowed(ILogger logger, string primary, long epoch, string reason);

    [LoggerMessage(EventId = 4606, Level = LogLevel.Information, Message = "CA signs again after its first look: {Finding}")]
    private static partial void LogSigningResumed(ILogger logger, string finding);
}
