namespace Koi.Daemon;

/// <summary>
/// Reads are open on loopback; every mutation, and anything from another address, needs the daemon token or a
/// dashboard session (docs/dashboard.md): its HttpOnly cookie, plus, for a mutation, the <c>x-koi-dashboard</c>
/// header that a cross-site form cannot send. Every denial is logged with its source and route.
/// </summary>
internal sealed partial class TokenAuthMiddleware(RequestDelegate next, DaemonToken token, Koi.Dashboard.DashboardSessions sessions, ILogger<TokenAuthMiddleware> logger)
{
    /// <summary>Sent by the dashboard's scripts with every mutation; a plain cross-site form or link cannot set it.</summary>
    public const string DashboardHeader = "x-koi-dashboard";

    public Task InvokeAsync(HttpContext context)
    {
        // Liveness and the LAN routes (enrollment) are meant for callers that cannot hold this machine's token.
        var metadata = context.GetEndpoint()?.Metadata;
        if (metadata?.GetMetadata<PublicEndpoint>() is not null || metadata?.GetMetadata<Koi.Core.Capabilities.LanEndpoint>() is not null)
        {
            return next(context);
        }

        var remote = context.Connection.RemoteIpAddress;
        var fromLoopback = remote is not null && LanGuardMiddleware.IsLoopback(remote);
        var isRead = HttpMethods.IsGet(context.Request.Method) || HttpMethods.IsHead(context.Request.Method) || HttpMethods.IsOptions(context.Request.Method);
        if (fromLoopback && isRead)
        {
            return next(context);
        }

        if (token.Matches(context.Request.Headers[DaemonToken.HeaderName].ToString() is { Length: > 0 } presented ? presented : null))
        {
            return next(context);
        }

        if (metadata?.GetMetadata<TokenOnlyEndpoint>() is null
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
