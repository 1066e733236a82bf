using Microsoft.Extensions.Logging;

namespace Koi.Certmesh.Membership;

internal sealed partial class MemberRenewal
{
    [LoggerMessage(EventId = 3120, Level = LogLevel.Information, Message = "certmesh certificate renewed: serial {Serial}, valid until {Expires}")]
    private static partial void LogRenewed(ILogger logger, string serial, DateTimeOffset expires);

    [LoggerMessage(EventId = 3121, Level = LogLevel.Warning, Message = "certmesh renewal failed ({Failures} in a row): {Reason}; the current certificate stays")]
    private static partial void LogRenewFailed(ILogger logger, int failures, string reason);

    [LoggerMessage(EventId = 3122, Level = LogLevel.Warning, Message = "certmesh reload hook failed after renewal: {Problem}; renewal marked degraded")]
    private static partial void LogHookFailed(ILogger logger, string problem);

    [LoggerMessage(EventId = 3123, Level = LogLevel.Warning, Message = "certmesh could not prove address {Address} to the CA: {Reason}; the CA leaves it out of the certificate")]
    private static partial void LogProofFailed(ILogger logger, string address, string reason);
}
