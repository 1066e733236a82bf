using Koi.Core.Errors;
using Koi.Proxy.Entries;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Koi.Proxy.Api;

/// <summary>The routes under <c>/v1/proxy</c>. Every failure is a <see cref="KoiException"/>; the daemon turns it into JSON.</summary>
internal static class ProxyEndpoints
{
    public static void Map(IEndpointRouteBuilder group)
    {
        group.MapGet("/status", (ProxyService proxy) => TypedResults.Ok(proxy.Status()));
        group.MapGet("/entries", (ProxyService proxy) => TypedResults.Ok(proxy.Entries()));
        group.MapPost("/entries", AddAsync);
        group.MapDelete("/entries/{name}", async (ProxyService proxy, string name) =>
            TypedResults.Ok(new ProxyEntryRemovedView((await proxy.RemoveAsync(name)).Name, true)));
    }

    private static async Task<Created<ProxyEntryStatusView>> AddAsync(ProxyService proxy, ProxyEntryRequest? request, CancellationToken ct)
    {
        if (request is null)
        {
            throw new KoiException(KoiErrorCode.InvalidRequest, "the body needs name, listen (a port) and backend (http://HOST:PORT)");
        }

        var added = await proxy.AddAsync(request, ct);
        return TypedResults.Created($"/v1/proxy/entries/{Uri.EscapeDataString(added.Name)}", added);
    }
}
