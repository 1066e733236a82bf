using Microsoft.Extensions.Logging;

namespace Koi.Certmesh.Authority;

internal sealed partial class OwnCertificate
{
    [LoggerMessage(EventId = 3031, Level = LogLevel.Error, Message = "certmesh could not renew the CA host's own certificate")]
    private static partial void LogRenewFailed(ILogger logger, Exception exception);
}
