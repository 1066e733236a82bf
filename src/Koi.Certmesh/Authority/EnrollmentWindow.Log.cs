using Microsoft.Extensions.Logging;

namespace Koi.Certmesh.Authority;

internal sealed partial class EnrollmentWindow
{
    [LoggerMessage(EventId = 3008, Level = LogLevel.Information, Message = "certmesh enrollment {State}")]
    private static partial void LogEnrollment(ILogger logger, string state);

    [LoggerMessage(EventId = 3020, Level = LogLevel.Error, Message = "certmesh enrollment window is past its deadline but could not be closed; retrying every {Seconds} s")]
    private static partial void LogWindowCloseFailed(ILogger logger, double seconds, Exception exception);
}
