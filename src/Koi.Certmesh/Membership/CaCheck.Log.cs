using Microsoft.Extensions.Logging;

namespace Koi.Certmesh.Membership;

internal sealed partial class CaCheck
{
    [LoggerMessage(EventId = 3110, Level = LogLevel.Warning, Message = "CA fingerprint changed — possible MITM: {Endpoint} pinned {Pinned}, saw {Seen}")]
    private static partial void LogMitm(ILogger logger, string endpoint, string pinned, string seen);

    [LoggerMessage(EventId = 3113, Level = LogLevel.Warning, Message = "certmesh CA moved: {From} did not answer, {To} proved the pinned CA {Fingerprint}; following it")]
    private static partial void LogCaMoved(ILogger logger, string from, string to, string fingerprint);

    [LoggerMessage(EventId = 3112, Level = LogLevel.Warning, Message = "certmesh CA check: {Verdict}: {Detail}")]
    private static partial void LogCheckProblem(ILogger logger, string verdict, string detail);
}
