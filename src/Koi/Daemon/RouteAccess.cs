using Koi.Core.Capabilities;
using Microsoft.AspNetCore.Routing.Template;

namespace Koi.Daemon;

/// <summary>Who may call a route: anyone (liveness), the LAN (enrollment), this machine without the token (metrics), or this machine's token holder.</summary>
internal enum RouteAudience
{
    Management,
    Lan,
    Public,
    Loopback,
}

/// <summary>
/// Decides a request's <see cref="RouteAudience"/> from the endpoint routing chose. Routing answers a LAN route's
/// wrong content type or method with an endpoint of its own that carries no metadata; that answer is about the LAN
/// route, so it is classified by the LAN routes' patterns rather than refused as a management call.
/// </summary>
internal sealed class RouteAccess(EndpointDataSource endpoints)
{
    private TemplateMatcher[]? _lanRoutes;

    public RouteAudience Classify(HttpContext context)
    {
        var endpoint = context.GetEndpoint();
        if (endpoint?.Metadata.GetMetadata<PublicEndpoint>() is not null)
        {
            return RouteAudience.Public;
        }

        if (endpoint?.Metadata.GetMetadata<LanEndpoint>() is not null)
        {
            return RouteAudience.Lan;
        }

        if (endpoint?.Metadata.GetMetadata<LoopbackEndpoint>() is not null)
        {
            return RouteAudience.Loopback;
        }

        return endpoint is not null and not RouteEndpoint && IsLanPath(context.Request.Path)
            ? RouteAudience.Lan
            : RouteAudience.Management;
    }

    private bool IsLanPath(PathString path)
    {
        _lanRoutes ??= [.. endpoints.Endpoints
            .OfType<RouteEndpoint>()
            .Where(e => e.Metadata.GetMetadata<LanEndpoint>() is not null)
            .Select(e => new TemplateMatcher(new RouteTemplate(e.RoutePattern), new RouteValueDictionary()))];
        return _lanRoutes.Any(matcher => matcher.TryMatch(path, new RouteValueDictionary()));
    }
}
