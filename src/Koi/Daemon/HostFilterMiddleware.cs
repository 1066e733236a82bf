using System.Net;
using Koi.Core.Net;

namespace Koi.Daemon;

/// <summary>
/// Refuses a management call whose <c>Host</c> is not a loopback name or address or one of this machine's own
/// names. A web page that rebinds its own DNS name to 127.0.0.1 reaches the daemon's port from the user's browser,
/// but its requests still name the page's host; refusing them keeps the API out of the page's reach even before the
/// token check (docs/security.md, "DNS rebinding"). Liveness and LAN routes are meant to be reached by any name.
/// </summary>
internal sealed partial class HostFilterMiddleware(RequestDelegate next, RouteAccess access, DaemonOptions options, ILogger<HostFilterMiddleware> logger)
{
    private readonly HashSet<string> _ownNames = OwnNames(options.HostnameOverride);

    public Task InvokeAsync(HttpContext context)
    {
        if (access.Classify(context) != RouteAudience.Management || IsAllowed(context.Request.Host.Host))
        {
            return next(context);
        }

        var host = context.Request.Host.Value ?? "";
        LogRefused(logger, context.Request.Method, context.Request.Path, context.Connection.RemoteIpAddress?.ToString() ?? "unknown", host);
        throw new Core.Errors.KoiException(
            Core.Errors.KoiErrorCode.Forbidden,
            $"the management API answers only requests addressed to localhost, a loopback address or this machine's own name (Host was '{host}')");
    }

    public bool IsAllowed(string? host)
    {
        if (string.IsNullOrEmpty(host))
        {
            return false;
        }

        if (IPAddress.TryParse(host.Trim('[', ']'), out var address))
        {
            return IpRanges.IsLoopback(address);
        }

        var name = host.TrimEnd('.').ToLowerInvariant();
        return name == "localhost" || _ownNames.Contains(name);
    }

    /// <summary>This machine's host name bare, in mDNS's <c>.local</c> and in koi's <c>.lan</c> zone.</summary>
    private static HashSet<string> OwnNames(string? hostnameOverride)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var candidate in new[] { hostnameOverride, Environment.MachineName, SafeHostName() })
        {
            if (string.IsNullOrWhiteSpace(candidate))
            {
                continue;
            }

            var bare = candidate.TrimEnd('.').ToLowerInvariant();
            var dot = bare.IndexOf('.', StringComparison.Ordinal);
            var label = dot > 0 ? bare[..dot] : bare;
            names.Add(bare);
            names.Add(label);
            names.Add($"{label}.local");
            names.Add($"{label}.lan");
        }

        return names;
    }

    private static string? SafeHostName()
    {
        try
        {
            return System.Net.Dns.GetHostName();
        }
        catch (System.Net.Sockets.SocketException)
        {
            return null;
        }
    }

    [LoggerMessage(EventId = 102, Level = LogLevel.Warning, Message = "refused {Method} {Path} from {Remote}: Host '{Host}' is not this machine")]
    private static partial void LogRefused(ILogger logger, string method, string path, string remote, string host);
}
