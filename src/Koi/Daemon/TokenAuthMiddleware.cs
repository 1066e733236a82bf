using Koi.Core.Net;

namespace Koi.Daemon;

/// <summary>
/// Every management call needs the daemon token, reads included: roster, audit log and pending joins are not for
/// whatever else runs on this machine, such as a web page in the user's browser (docs/security.md). The dashboard's
/// session stands in for the token (docs/dashboard.md): its HttpOnly SameSite=Strict cookie, plus, for a mutation,
/// the <c>x-koi-dashboard</c> header that a cross-site form cannot send. Every denial is logged with its source and
/// route.
/// </summary>
internal sealed partial class TokenAuthMiddleware(RequestDelegate next, DaemonToken token, RouteAccess access, Koi.Dashboard.DashboardSessions sessions, ILogger<TokenAuthMiddleware> logger)
{
    /// <summary>Sent by the dashboard's scripts with every mutation; a plain cross-site form or link cannot set it.</summary>
    public const string DashboardHeader = "x-koi-dashboard";

    public Task InvokeAsync(HttpContext context)
    {
        // Liveness and the LAN routes (enrollment) are meant for callers that cannot hold this machine's token.
        if (access.Classify(context) != RouteAudience.Management)
        {
            return next(context);
        }

        var remote = context.Connection.RemoteIpAddress;
        if (token.Matches(context.Request.Headers[DaemonToken.HeaderName].ToString() is { Length: > 0 } presented ? presented : null))
        {
            return next(context);
        }

        var isRead = HttpMethods.IsGet(context.Request.Method) || HttpMethods.IsHead(context.Request.Method);
        if (context.GetEndpoint()?.Metadata.GetMetadata<TokenOnlyEndpoint>() is null
            && (isRead || context.Request.Headers.ContainsKey(DashboardHeader))
            && sessions.IsValid(context.Request.Cookies[Koi.Dashboard.DashboardSessions.CookieName]))
        {
            return next(context);
        }

        var reason = context.Request.Headers.ContainsKey(DaemonToken.HeaderName) ? "wrong token" : "no token";
        LogDenied(logger, context.Request.Method, context.Request.Path, remote?.ToString() ?? "unknown", reason);
        throw new Core.Errors.KoiException(
            Core.Errors.KoiErrorCode.Unauthorized,
            $"this call needs the daemon token in the {DaemonToken.HeaderName} header ({reason})");
    }

    [LoggerMessage(EventId = 100, Level = LogLevel.Warning, Message = "denied {Method} {Path} from {Remote}: {Reason}")]
    private static partial void LogDenied(ILogger logger, string method, string path, string remote, string reason);
}
