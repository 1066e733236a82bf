using Microsoft.Extensions.Logging;

namespace Koi.Certmesh.Backup;

internal sealed partial class CaBackup
{
    [LoggerMessage(EventId = 3201, Level = LogLevel.Warning, Message = "certmesh CA {Fingerprint} backed up (the file can impersonate any machine of the mesh)")]
    private static partial void LogBackedUp(ILogger logger, string fingerprint);

    [LoggerMessage(EventId = 3202, Level = LogLevel.Warning, Message = "certmesh CA {Fingerprint} restored from a backup made on {CreatedOn}")]
    private static partial void LogRestored(ILogger logger, string fingerprint, string createdOn);

    [LoggerMessage(EventId = 3203, Level = LogLevel.Warning, Message = "certmesh restore refused: {Reason}")]
    private static partial void LogRestoreRefused(ILogger logger, string reason);
}
