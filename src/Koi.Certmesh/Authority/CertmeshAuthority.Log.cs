using Koi.Certmesh.Roster;
using Microsoft.Extensions.Logging;

namespace Koi.Certmesh.Authority;

internal sealed partial class CertmeshAuthority
{
    [LoggerMessage(EventId = 3001, Level = LogLevel.Information, Message = "certmesh roster loaded: {Members} members, CA {Fingerprint}; CA is locked")]
    private static partial void LogLoaded(ILogger logger, int members, string fingerprint);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Error, Message = "certmesh state could not be loaded")]
    private static partial void LogLoadFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 3003, Level = LogLevel.Warning, Message = "certmesh unlock refused: wrong passphrase (lockout started: {LockedOut})")]
    private static partial void LogUnlockFailed(ILogger logger, bool lockedOut);

    [LoggerMessage(EventId = 3004, Level = LogLevel.Error, Message = "certmesh audit event {Event} could not be written")]
    private static partial void LogAuditFailed(ILogger logger, string @event, Exception exception);

    [LoggerMessage(EventId = 3005, Level = LogLevel.Information, Message = "certmesh CA created: profile {Profile}, fingerprint {Fingerprint}")]
    private static partial void LogCreated(ILogger logger, TrustProfile profile, string fingerprint);

    [LoggerMessage(EventId = 3006, Level = LogLevel.Warning, Message = "certmesh trust store {Store}: {State} {Detail}")]
    private static partial void LogTrust(ILogger logger, string store, string state, string? detail);

    [LoggerMessage(EventId = 3007, Level = LogLevel.Warning, Message = "certmesh CA destroyed (fingerprint {Fingerprint})")]
    private static partial void LogDestroyed(ILogger logger, string fingerprint);

    [LoggerMessage(EventId = 3009, Level = LogLevel.Warning, Message = "{Warning}")]
    private static partial void LogAutoUnlockWarning(ILogger logger, string warning);

    [LoggerMessage(EventId = 3010, Level = LogLevel.Error, Message = "certmesh auto-unlock refused: {Reason}")]
    private static partial void LogAutoUnlockRefused(ILogger logger, string reason);

    [LoggerMessage(EventId = 3008, Level = LogLevel.Information, Message = "certmesh enrollment {State}")]
    private static partial void LogEnrollment(ILogger logger, string state);
}
