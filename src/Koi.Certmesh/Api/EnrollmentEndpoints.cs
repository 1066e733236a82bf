using System.Net;
using Koi.Certmesh.Authority;
using Koi.Certmesh.Enrollment;
using Koi.Core.Capabilities;
using Koi.Core.Errors;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Koi.Certmesh.Api;

/// <summary>
/// The CA's enrollment routes. <c>hello</c>, <c>join</c> and the join poll are <see cref="LanEndpoint"/>s: other
/// machines reach them without a daemon token. <c>pending</c>, <c>approve</c>, <c>deny</c> and <c>revoke</c> are
/// management routes (loopback, token). On this (plain HTTP) port <c>join</c> and its poll only refuse, with
/// <c>tls_required</c> and the mesh plane's address: a code sent here has already crossed in clear, so it is not read
/// (docs/security.md). The real routes are the mesh plane's (<see cref="MeshPlane.MeshRoutes.MapJoin"/>).
/// </summary>
internal static class EnrollmentEndpoints
{
    public static void Map(IEndpointRouteBuilder group)
    {
        group.MapPost("/hello", (CertmeshAuthority ca, HelloChallenge? body, CancellationToken ct) => ca.HelloAsync(body?.Nonce, ct))
            .WithMetadata(LanEndpoint.Instance);
        group.MapPost("/join", RefusePlainHttp).WithMetadata(LanEndpoint.Instance);
        group.MapGet("/join/{requestId}", RefusePlainHttp).WithMetadata(LanEndpoint.Instance);
        group.MapGet("/pending", (CertmeshAuthority ca, CancellationToken ct) => ca.PendingAsync(ct));
        group.MapPost("/approve", (CertmeshAuthority ca, ApproveRequest body, CancellationToken ct) => ca.ApproveAsync(body.Hostname, body.ApprovedBy, ct));
        group.MapPost("/deny", (CertmeshAuthority ca, DenyRequest body, CancellationToken ct) => ca.DenyAsync(body.Hostname, body.Reason, ct));
        group.MapPost("/revoke", RevokeAsync);
    }

    /// <summary>The caller's address as the CA judges it (IPv4-mapped IPv6 as IPv4; no address = this machine).</summary>
    public static IPAddress Source(HttpContext context) =>
        context.Connection.RemoteIpAddress is { } remote ? JoinAddresses.Normalize(remote) : IPAddress.Loopback;

    /// <summary>Takes no body parameter on purpose: the code in it is never read, checked or counted.</summary>
    private static IResult RefusePlainHttp(CertmeshAuthority ca, HttpContext context) =>
        throw ca.RefusePlainHttpJoin(Source(context), context.Request.Host.HasValue ? context.Request.Host.Host : context.Connection.LocalIpAddress?.ToString() ?? "localhost");

    /// <summary>The revocation, and whether the trust bundle and CRL that enforce it are already signed.</summary>
    private static async Task<RevokeResult> RevokeAsync(CertmeshAuthority ca, RevokeRequest body, CancellationToken ct)
    {
        var entry = await ca.RevokeAsync(body.Hostname, body.Reason, ct);
        var serials = entry.Serials ?? [];
        var held = ca.Bundle;
        var published = held is not null && serials.Count > 0 && serials.All(held.Revokes);
        var note = serials.Count == 0 ? "its certificate's serial is unknown (enrolled before koi recorded serials): the CA refuses it, but the CRL and members' listeners cannot"
            : !published ? "the CA is locked: the trust bundle and CRL naming it are signed at the next koi certmesh unlock; until then members still admit it"
            : null;
        return new RevokeResult(entry.Hostname, entry.RevokedAt, entry.RevokedBy, entry.Reason, serials, published ? held!.Bundle.Sequence : null, note);
    }

    public static IResult Answer(JoinOutcome outcome) =>
        outcome.Issued is { } issued ? Results.Ok(issued)
        : outcome.Pending is { } pending ? Results.Accepted(value: pending)
        : throw new KoiException(KoiErrorCode.Internal, "join ended without an answer");
}
