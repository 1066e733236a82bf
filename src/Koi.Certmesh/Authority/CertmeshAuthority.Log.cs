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

    [LoggerMessage(EventId = 3011, Level = LogLevel.Information, Message = "certmesh join refused from {From}: {Reason}")]
    private static partial void LogJoinRefused(ILogger logger, string reason, string from);

    [LoggerMessage(EventId = 3012, Level = LogLevel.Warning, Message = "certmesh enrollment: {From} locked out for {Minutes} minutes after wrong codes")]
    private static partial void LogSourceLockedOut(ILogger logger, string from, double minutes);

    [LoggerMessage(EventId = 3013, Level = LogLevel.Warning, Message = "certmesh enrollment CLOSED for everyone: {Failures} wrong codes within {Minutes} minutes from the network; reopen with koi certmesh open-enrollment after checking koi certmesh log")]
    private static partial void LogBackstopTripped(ILogger logger, int failures, double minutes);

    [LoggerMessage(EventId = 3014, Level = LogLevel.Information, Message = "certmesh member {Hostname} joined from {From} (approved by {ApprovedBy})")]
    private static partial void LogMemberJoined(ILogger logger, string hostname, string from, string approvedBy);

    [LoggerMessage(EventId = 3015, Level = LogLevel.Information, Message = "certmesh join request from {Hostname} ({From}) waits for approval: koi certmesh pending")]
    private static partial void LogJoinPending(ILogger logger, string hostname, string from);

    [LoggerMessage(EventId = 3016, Level = LogLevel.Information, Message = "certmesh join request from {Hostname} ({From}) denied")]
    private static partial void LogJoinDenied(ILogger logger, string hostname, string from);

    [LoggerMessage(EventId = 3017, Level = LogLevel.Warning, Message = "certmesh member {Hostname} revoked by {By}")]
    private static partial void LogMemberRevoked(ILogger logger, string hostname, string by);

    [LoggerMessage(EventId = 3018, Level = LogLevel.Error, Message = "certmesh enrollment limits unreadable ({Problem}); lockouts start over, codes valid now count as used")]
    private static partial void LogLimitsUnreadable(ILogger logger, string problem);

    [LoggerMessage(EventId = 3019, Level = LogLevel.Warning, Message = "certmesh enrollment: more than {Count} refusals from {From} in this window; further ones are counted, not audited one by one")]
    private static partial void LogRefusalsSuppressed(ILogger logger, string from, int count);

    [LoggerMessage(EventId = 3020, Level = LogLevel.Error, Message = "certmesh enrollment window is past its deadline but could not be closed; retrying every {Seconds} s")]
    private static partial void LogWindowCloseFailed(ILogger logger, double seconds, Exception exception);

    [LoggerMessage(EventId = 3040, Level = LogLevel.Information, Message = "certmesh trust bundle {Sequence} published: {Revoked} revoked")]
    private static partial void LogBundlePublished(ILogger logger, long sequence, int revoked);

    [LoggerMessage(EventId = 3041, Level = LogLevel.Error, Message = "certmesh trust bundle not published: {Reason}")]
    private static partial void LogBundleFailed(ILogger logger, string reason);
}
