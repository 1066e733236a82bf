using Microsoft.Extensions.Logging;

namespace Koi.Certmesh.Enrollment;

internal sealed partial class JoinPipeline
{
    [LoggerMessage(EventId = 3011, Level = LogLevel.Information, Message = "certmesh join refused from {From}: {Reason}")]
    private static partial void LogJoinRefused(ILogger logger, string reason, string from);

    [LoggerMessage(EventId = 3012, Level = LogLevel.Warning, Message = "certmesh enrollment: {From} locked out for {Minutes} minutes after wrong codes")]
    private static partial void LogSourceLockedOut(ILogger logger, string from, double minutes);

    [LoggerMessage(EventId = 3013, Level = LogLevel.Warning, Message = "certmesh enrollment throttled: {Failures} wrong codes within {Minutes} minutes from the network; every join waits {Seconds} s (check koi certmesh log)")]
    private static partial void LogThrottleStarted(ILogger logger, int failures, double minutes, int seconds);

    [LoggerMessage(EventId = 3014, Level = LogLevel.Information, Message = "certmesh member {Hostname} joined from {From} (approved by {ApprovedBy})")]
    private static partial void LogMemberJoined(ILogger logger, string hostname, string from, string approvedBy);

    [LoggerMessage(EventId = 3015, Level = LogLevel.Information, Message = "certmesh join request from {Hostname} ({From}) waits for approval: koi certmesh pending")]
    private static partial void LogJoinPending(ILogger logger, string hostname, string from);

    [LoggerMessage(EventId = 3019, Level = LogLevel.Warning, Message = "certmesh enrollment: more than {Count} refusals from {From} in this window; further ones are counted, not audited one by one")]
    private static partial void LogRefusalsSuppressed(ILogger logger, string from, int count);
}
