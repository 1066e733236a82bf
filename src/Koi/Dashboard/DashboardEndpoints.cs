using Koi.Core.Errors;
using Koi.Daemon;

namespace Koi.Dashboard;

/// <summary>
/// The dashboard: static pages at <c>/</c>, a login that turns a one-time code into an HttpOnly session cookie, and
/// <c>POST /v1/dashboard/links</c> that <c>koi dashboard</c> calls (with the token) to get such a code. Everything the
/// page shows or changes goes through the same <c>/v1</c> API the CLI uses (docs/dashboard.md).
/// </summary>
internal static class DashboardEndpoints
{
    /// <summary>
    /// No inline script or style, nothing from another origin; images only from the page itself or data: URIs
    /// (the TOTP QR code), no framing, no plugins (docs/dashboard.md#security).
    /// </summary>
    public const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
        "base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

    public static void Map(WebApplication app)
    {
        // The pages hold no data (that comes from /v1 with the session), so they load before login, from any listener.
        app.MapGet("/", (HttpContext context) => Asset(context, "index.html")).WithMetadata(PublicEndpoint.Instance).ExcludeFromDescription();
        app.MapGet("/login", (HttpContext context) => Asset(context, "login.html")).WithMetadata(PublicEndpoint.Instance).ExcludeFromDescription();
        app.MapGet("/dashboard/{file}", (HttpContext context, string file) => Asset(context, file)).WithMetadata(PublicEndpoint.Instance).ExcludeFromDescription();

        // The code travels in the login page's URL fragment, which browsers never send; the page posts it here.
        app.MapPost("/dashboard/session", (HttpContext context, DashboardSessions sessions, LoginRequest? body) =>
            {
                var session = sessions.Redeem(body?.Code)
                    ?? throw new KoiException(KoiErrorCode.Unauthorized, "this login link is used up or expired; run `koi dashboard` for a new one");
                context.Response.Cookies.Append(DashboardSessions.CookieName, session, new CookieOptions
                {
                    HttpOnly = true,
                    SameSite = SameSiteMode.Strict,
                    Path = "/",
                    MaxAge = DashboardSessions.SessionLifetime,
                    Secure = context.Request.IsHttps,
                });
                return TypedResults.Ok(new DashboardSessionView(true));
            })
            .WithMetadata(PublicEndpoint.Instance)
            .WithSummary("Spends a one-time login code for a session cookie (the dashboard's login page calls this).");

        app.MapGet("/v1/dashboard/session", (HttpContext context, DashboardSessions sessions) =>
                TypedResults.Ok(new DashboardSessionView(sessions.IsValid(context.Request.Cookies[DashboardSessions.CookieName]))))
            .WithSummary("Whether this browser holds a valid dashboard session.");

        app.MapPost("/dashboard/logout", (HttpContext context, DashboardSessions sessions) =>
            {
                sessions.End(context.Request.Cookies[DashboardSessions.CookieName]);
                context.Response.Cookies.Delete(DashboardSessions.CookieName);
                return TypedResults.Ok(new DashboardSessionView(false));
            })
            .WithMetadata(PublicEndpoint.Instance)
            .WithSummary("Ends this browser's dashboard session.");

        app.MapPost("/v1/dashboard/links", (HttpContext context, DashboardSessions sessions, DaemonOptions options) =>
            {
                var (code, expires) = sessions.IssueCode();
                var origin = $"{context.Request.Scheme}://{context.Request.Host}";
                var lan = options.DashboardBind is { } bind ? $"http://{LanHost(bind)}/login#{code}" : null;
                return TypedResults.Ok(new DashboardLinkView($"{origin}/login#{code}", lan, expires));
            })
            .WithMetadata(TokenOnlyEndpoint.Instance)
            .WithSummary("A one-time login link for the dashboard (what `koi dashboard` prints); needs the daemon token.");
    }

    private static string LanHost(System.Net.IPEndPoint bind) =>
        bind.Address.Equals(System.Net.IPAddress.Any) || bind.Address.Equals(System.Net.IPAddress.IPv6Any)
            ? $"{Environment.MachineName}:{bind.Port}"
            : bind.ToString();

    public static IResult Asset(HttpContext context, string name)
    {
        if (!DashboardAssets.TryGet(name, out var bytes, out var contentType))
        {
            throw new KoiException(KoiErrorCode.NotFound, $"no dashboard file {name}");
        }

        var headers = context.Response.Headers;
        headers.ContentSecurityPolicy = ContentSecurityPolicy;
        headers.XContentTypeOptions = "nosniff";
        headers.XFrameOptions = "DENY";
        headers["Referrer-Policy"] = "no-referrer";
        headers.CacheControl = "no-store";
        return TypedResults.Bytes(bytes, contentType);
    }

    internal sealed record LoginRequest(string? Code);

    internal sealed record DashboardSessionView(bool LoggedIn);

    /// <param name="Url">The link for a browser on this machine.</param>
    /// <param name="LanUrl">The same code on the <c>--dashboard-bind</c> listener, when there is one.</param>
    internal sealed record DashboardLinkView(string Url, string? LanUrl, DateTimeOffset ExpiresAt);
}
