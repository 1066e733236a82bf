using Microsoft.Extensions.Logging;

namespace Koi.Certmesh.Authority;

internal sealed partial class CaVault
{
    [LoggerMessage(EventId = 3003, Level = LogLevel.Warning, Message = "certmesh unlock refused: wrong passphrase (lockout started: {LockedOut})")]
    private static partial void LogUnlockFailed(ILogger logger, bool lockedOut);

    [LoggerMessage(EventId = 3009, Level = LogLevel.Warning, Message = "{Warning}")]
    internal static partial void LogAutoUnlockWarning(ILogger logger, string warning);

    [LoggerMessage(EventId = 3010, Level = LogLevel.Error, Message = "certmesh auto-unlock refused: {Reason}")]
    private static partial void LogAutoUnlockRefused(ILogger logger, string reason);
}
