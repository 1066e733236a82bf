using Microsoft.Extensions.Logging;

namespace Koi.Certmesh.Authority;

internal sealed partial class OwnCertificate
{
    [LoggerMessage(EventId = 3031, Level = LogLevel.Error, Message = "certmesh could not renew the CA host's own certificate")]
    private static partial void LogRenewFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 3032, Level = LogLevel.Warning, Message = "the CA host's own certificate renewed, but its reload hook failed: {Problem}")]
    private static partial void LogHookFailed(ILogger logger, string problem);
}
