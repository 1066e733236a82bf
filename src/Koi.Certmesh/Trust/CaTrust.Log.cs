using Microsoft.Extensions.Logging;

namespace Koi.Certmesh.Trust;

internal sealed partial class CaTrust
{
    [LoggerMessage(EventId = 3006, Level = LogLevel.Warning, Message = "certmesh trust store {Store}: {State} {Detail}")]
    private static partial void LogTrust(ILogger logger, string store, string state, string? detail);
}
