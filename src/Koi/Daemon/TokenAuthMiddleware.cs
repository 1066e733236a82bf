using Koi.Core.Net;

namespace Koi.Daemon;

/// <summary>
/// Reads are open on loopback; every mutation, and anything from another address, needs the daemon token.
/// Every denial is logged with its source and route.
/// </summary>
internal sealed partial class TokenAuthMiddleware(RequestDelegate next, DaemonToken token, ILogger<TokenAuthMiddleware> logger)
{
    public Task InvokeAsync(HttpContext context)
    {
        // Liveness and the LAN routes (enrollment) are meant for callers that cannot hold this machine's token.
        var metadata = context.GetEndpoint()?.Metadata;
        if (metadata?.GetMetadata<PublicEndpoint>() is not null || metadata?.GetMetadata<Koi.Core.Capabilities.LanEndpoint>() is not null)
        {
            return next(context);
        }

        var remote = context.Connection.RemoteIpAddress;
        var fromLoopback = remote is not null && IpRanges.IsLoopback(remote);
        var isRead = HttpMethods.IsGet(context.Request.Method) || HttpMethods.IsHead(context.Request.Method) || HttpMethods.IsOptions(context.Request.Method);
        if (fromLoopback && isRead)
        {
            return next(context);
        }

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
