using System.Net;
using Koi.Core.Capabilities;
using Koi.Core.Net;

namespace Koi.Daemon;

/// <summary>
/// The daemon's port may face the LAN so a CA can take enrollments, but the management API is loopback-only:
/// a caller from another address reaches only routes marked <see cref="LanEndpoint"/> (and liveness,
/// <see cref="PublicEndpoint"/>), token or not.
/// </summary>
internal sealed partial class LanGuardMiddleware(RequestDelegate next, RouteAccess access, ILogger<LanGuardMiddleware> logger)
{
    public Task InvokeAsync(HttpContext context)
    {
        var remote = context.Connection.RemoteIpAddress;
        if (remote is null || IpRanges.IsLoopback(remote) || access.Classify(context) is RouteAudience.Lan or RouteAudience.Public)
        {
            return next(context);
        }

        LogRefused(logger, context.Request.Method, context.Request.Path, remote.ToString());
        throw new Core.Errors.KoiException(
            Core.Errors.KoiErrorCode.Forbidden,
            "the management API answers loopback callers only; from the LAN only enrollment routes are served");
    }

    [LoggerMessage(EventId = 101, Level = LogLevel.Warning, Message = "refused {Method} {Path} from {Remote}: not a LAN route")]
    private static partial void LogRefused(ILogger logger, string method, string path, string remote);
}
