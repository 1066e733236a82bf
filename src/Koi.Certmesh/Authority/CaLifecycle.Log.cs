using Koi.Certmesh.Roster;
using Microsoft.Extensions.Logging;

namespace Koi.Certmesh.Authority;

internal sealed partial class CaLifecycle
{
    [LoggerMessage(EventId = 3001, Level = LogLevel.Information, Message = "certmesh roster loaded: {Members} members, CA {Fingerprint}; CA is locked")]
    private static partial void LogLoaded(ILogger logger, int members, string fingerprint);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Error, Message = "certmesh state could not be loaded")]
    private static partial void LogLoadFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 3005, Level = LogLevel.Information, Message = "certmesh CA created: profile {Profile}, fingerprint {Fingerprint}")]
    private static partial void LogCreated(ILogger logger, TrustProfile profile, string fingerprint);

    [LoggerMessage(EventId = 3007, Level = LogLevel.Warning, Message = "certmesh CA destroyed (fingerprint {Fingerprint})")]
    private static partial void LogDestroyed(ILogger logger, string fingerprint);
}
