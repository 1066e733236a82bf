using Microsoft.Extensions.Logging;

namespace Koi.Certmesh.Issuing;

internal sealed partial class MemberRenewals
{
    [LoggerMessage(EventId = 3030, Level = LogLevel.Information, Message = "certmesh renewed the certificate of {Hostname}: serial {Serial}, valid until {Expires}")]
    private static partial void LogRenewed(ILogger logger, string hostname, string serial, DateTimeOffset expires);
}
