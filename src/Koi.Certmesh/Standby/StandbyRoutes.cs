using Koi.Certmesh.MeshPlane;
using Koi.Core.Errors;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Koi.Certmesh.Standby;

/// <summary>The standby routes of the CA's mTLS plane, under <c>/v1/certmesh/mesh/standby</c>; every one needs a mesh client certificate.</summary>
internal static class StandbyRoutes
{
    public static void Map(RouteGroupBuilder mesh)
    {
        var group = mesh.MapGroup("/standby");
        group.MapPost("/promote", (HttpContext context, StandbyHandover handover, MeshPeerValidator validator, PromoteRequest? body, CancellationToken ct) =>
            handover.PromoteAsync(MeshRoutes.RequirePeer(context, validator), body ?? new PromoteRequest(null, null), ct));
        group.MapPost("/sync", (HttpContext context, StandbyHandover handover, MeshPeerValidator validator, CancellationToken ct) =>
            handover.SyncAsync(MeshRoutes.RequirePeer(context, validator), ct));
        group.MapPost("/probe", (HttpContext context, StandbyHandover handover, MeshPeerValidator validator) =>
        {
            MeshRoutes.RequirePeer(context, validator);
            return handover.Claim() ?? throw new KoiException(KoiErrorCode.CaLocked, "the CA is locked and cannot sign its claim");
        });
    }
}
