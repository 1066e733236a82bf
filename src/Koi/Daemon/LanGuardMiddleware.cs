using System.Net;
using Koi.Core.Capabilities;
using Koi.Core.Net;

namespace Koi.Daemon;

/// <summary>
/// The daemon's port may face the LAN so a CA can take enrollments, but the management API is loopback-only:
/// a caller from another address reaches only routes marked <see cref="LanEndpoint"/> (and liveness,
/// <see cref="PublicEndpoint"/>), token or not.
/// The dashboard listener (<c>--dashboard-bind</c>) is the exception: it exists to be reached from the LAN, and
/// everything on it past the static pages needs the token or a dashboard session (<see cref="TokenAuthMiddleware"/>).
/// </summary>
internal sealed partial class LanGuardMiddleware(RequestDelegate next, RouteAccess access, DaemonOptions options, ILogger<LanGuardMiddleware> logger)
{
    public Task InvokeAsync(HttpContext context)
    {
        var remote = context.Connection.RemoteIpAddress;
        // On the dashboard listener a management route passes here and then needs the session or the token; a
        // loopback-only route (metrics, which needs no token) stays loopback-only there too.
        var audience = access.Classify(context);
        if (remote is null || IpRanges.IsLoopback(remote) || audience is RouteAudience.Lan or RouteAudience.Public
            || (audience is RouteAudience.Management && OnDashboardListener(context)))
        {
            return next(context);
        }

        LogRefused(logger, context.Request.Method, context.Request.Path, remote.ToString());
        throw new Core.Errors.KoiException(
            Core.Errors.KoiErrorCode.Forbidden,
            "the management API answers loopback callers only; from the LAN only enrollment routes are served");
    }

    private bool OnDashboardListener(HttpContext context) =>
        options.DashboardBind is { } dashboard
        && context.Connection.LocalPort == dashboard.Port
        && context.Connection.LocalIpAddress is { } local
        && (dashboard.Address.Equals(IPAddress.Any) || dashboard.Address.Equals(IPAddress.IPv6Any) || Normalize(local).Equals(Normalize(dashboard.Address)));

    private static IPAddress Normalize(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;

    [LoggerMessage(EventId = 101, Level = LogLevel.Warning, Message = "refused {Method} {Path} from {Remote}: not a LAN route")]
    private static partial void LogRefused(ILogger logger, string method, string path, string remote);
}
