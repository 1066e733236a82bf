using Koi.Core.Errors;
using Koi.Health.Checks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Koi.Health.Api;

/// <summary>The routes under <c>/v1/health</c>. Every failure is a <see cref="KoiException"/>; the daemon turns it into JSON.</summary>
internal static class HealthEndpoints
{
    public static void Map(IEndpointRouteBuilder group)
    {
        group.MapGet("/status", (HealthService health) => TypedResults.Ok(health.Status()));
        group.MapGet("/checks", (HealthService health) => TypedResults.Ok(health.Checks()));
        group.MapPost("/checks", Add);
        group.MapDelete("/checks/{name}", (HealthService health, string name) =>
            TypedResults.Ok(new CheckRemovedView(health.Remove(name).Name, true)));
        group.MapGet("/log", (HealthService health, string? since, int? limit) => TypedResults.Ok(health.Log(since, limit)));
    }

    private static Microsoft.AspNetCore.Http.HttpResults.Created<CheckDefinition> Add(HealthService health, CheckRequest? request)
    {
        if (request is null)
        {
            throw new KoiException(KoiErrorCode.InvalidRequest, "the body needs a name and http (a URL) or tcp (host:port)");
        }

        var added = health.Add(request);
        return TypedResults.Created($"/v1/health/checks/{Uri.EscapeDataString(added.Name)}", added);
    }
}
