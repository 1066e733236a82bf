using Koi.Core.Net;

namespace Koi.Daemon;

/// <summary>
/// Every management call needs the daemon token, reads included: roster, audit log and pending joins are not for
/// whatever else runs on this machine, such as a web page in the user's browser (docs/security.md). Every denial is
/// logged with its source and route.
/// </summary>
internal sealed partial class TokenAuthMiddleware(RequestDelegate next, DaemonToken token, RouteAccess access, ILogger<TokenAuthMiddleware> logger)
{
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

        var reason = context.Request.Headers.ContainsKey(DaemonToken.HeaderName) ? "wrong token" : "no token";
        LogDenied(logger, context.Request.Method, context.Request.Path, remote?.ToString() ?? "unknown", reason);
        throw new Core.Errors.KoiException(
            Core.Errors.KoiErrorCode.Unauthorized,
            $"this call needs the daemon token in the {DaemonToken.HeaderName} header ({reason})");
    }

    [LoggerMessage(EventId = 100, Level = LogLevel.Warning, Message = "denied {Method} {Path} from {Remote}: {Reason}")]
    private static partial void LogDenied(ILogger logger, string method, string path, string remote, string reason);
}
