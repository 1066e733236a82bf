using Koi.Certmesh.Authority;
using Koi.Core.Errors;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;

namespace Koi.Certmesh.Standby;

/// <summary><c>POST /v1/certmesh/promote</c>, <c>POST /v1/certmesh/standby/unlock</c> and <c>GET /v1/certmesh/ha</c>; local only.</summary>
internal static class StandbyEndpoints
{
    public static void Map(IEndpointRouteBuilder group)
    {
        group.MapPost("/promote", (StandbyPromotion promotion, PromoteApiRequest body, CancellationToken ct) =>
            promotion.PromoteAsync(body.TotpCode, body.Passphrase, ct));
        group.MapPost("/standby/unlock", async (StandbyNode node, HaLoop loop, CertmeshAuthority ca, StandbyUnlockRequest body, CancellationToken ct) =>
        {
            await node.UnlockAsync(body.Passphrase ?? throw new KoiException(KoiErrorCode.InvalidRequest, "missing required field: passphrase"), ct);
            return HaView.Of(ca, node, loop);
        });
        group.MapGet("/ha", (StandbyNode node, HaLoop loop, CertmeshAuthority ca) => HaView.Of(ca, node, loop));
    }
}

internal sealed record PromoteApiRequest(string? TotpCode, string? Passphrase);

internal sealed record StandbyUnlockRequest(string? Passphrase);

/// <summary>
/// Who signs in this mesh as this machine sees it: its own role, the primary and standby, since when, the epoch,
/// and on a standby whether it is unlocked (able to take over) and when it last heard from the primary.
/// </summary>
internal sealed record HaView(
    string Role, long Epoch, DateTimeOffset? Since, string? Primary, string? Standby, bool? StandbyUnlocked, DateTimeOffset? PrimarySeen,
    DateTimeOffset? LastSync, string? Reason)
{
    public static HaView Of(CertmeshAuthority ca, StandbyNode node, HaLoop loop)
    {
        if (node.IsStandby && node.Ha.Current is { } standby)
        {
            return new HaView("standby", standby.Epoch, standby.Since, standby.Primary, standby.Standby, !node.Locked, loop.PrimarySeen, loop.LastSync, standby.Reason);
        }

        if (ca.Initialized)
        {
            var state = ca.Handover.State;
            return new HaView("primary", state.Epoch, state.Since, ca.Hostname, state.Standby, null, null, null, state.Reason);
        }

        return new HaView("none", 0, null, null, null, null, null, null, null);
    }
}
