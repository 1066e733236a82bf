using Microsoft.Extensions.Logging;

namespace Koi.Certmesh.Membership;

internal sealed partial class MemberJoiner
{
    [LoggerMessage(EventId = 3100, Level = LogLevel.Information, Message = "joined the mesh of {Ca} as {Hostname}; pinned CA fingerprint {Fingerprint}")]
    private static partial void LogJoined(ILogger logger, string hostname, string ca, string fingerprint);

    [LoggerMessage(EventId = 3101, Level = LogLevel.Information, Message = "join of {Hostname} waits for approval on {Ca} (request {RequestId})")]
    private static partial void LogPending(ILogger logger, string hostname, string ca, string requestId);

    [LoggerMessage(EventId = 3102, Level = LogLevel.Warning, Message = "refused to join {Endpoint}: CA fingerprint {Seen} is not the expected {Expected} (possible MITM)")]
    private static partial void LogFingerprintMismatch(ILogger logger, string endpoint, string expected, string seen);

    [LoggerMessage(EventId = 3103, Level = LogLevel.Information, Message = "the CA at {Endpoint} presented a newer certificate of its own than its hello showed (renewed since); asked again")]
    private static partial void LogHelloRepeated(ILogger logger, string endpoint);
}
