using Microsoft.Extensions.Logging;

namespace Koi.Certmesh.MeshPlane;

internal sealed partial class MeshPlaneHost
{
    [LoggerMessage(EventId = 3040, Level = LogLevel.Information, Message = "certmesh mesh plane listening on {Bind}:{Port} (mTLS)")]
    private static partial void LogListening(ILogger logger, System.Net.IPAddress bind, int port);

    [LoggerMessage(EventId = 3041, Level = LogLevel.Error, Message = "certmesh mesh plane cannot listen on {Bind}:{Port}")]
    private static partial void LogListenFailed(ILogger logger, System.Net.IPAddress bind, int port, Exception exception);

    [LoggerMessage(EventId = 3042, Level = LogLevel.Warning, Message = "certmesh mesh plane refused a client certificate at the handshake: {Reason}")]
    private static partial void LogRefused(ILogger logger, string reason);

    [LoggerMessage(EventId = 3044, Level = LogLevel.Debug, Message = "certmesh mesh plane refused a TLS client: {Reason}")]
    private static partial void LogTlsRefused(ILogger logger, string reason);
}
