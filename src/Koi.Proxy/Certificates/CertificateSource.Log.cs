using Microsoft.Extensions.Logging;

namespace Koi.Proxy.Certificates;

internal sealed partial class CertificateSource
{
    [LoggerMessage(EventId = 30, Level = LogLevel.Information, Message = "proxy: certificate in {Directory} loaded: serial {Serial}, valid until {NotAfter:u}")]
    private static partial void LogCertificateLoaded(ILogger logger, string directory, string serial, DateTimeOffset notAfter);

    [LoggerMessage(EventId = 31, Level = LogLevel.Warning, Message = "proxy: certificate in {Directory} not loaded: {Problem}; {Consequence}")]
    private static partial void LogCertificateProblem(ILogger logger, string directory, string problem, string consequence);

    [LoggerMessage(EventId = 32, Level = LogLevel.Warning, Message = "proxy: cannot watch {Directory} for certificate changes ({Error}); checking every few seconds instead")]
    private static partial void LogWatcherUnavailable(ILogger logger, string directory, string error);
}
