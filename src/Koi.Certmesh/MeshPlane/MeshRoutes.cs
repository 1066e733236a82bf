using Koi.Certmesh.Api;
using Koi.Certmesh.Authority;
using Koi.Certmesh.Enrollment;
using Koi.Certmesh.Issuing;
using Koi.Certmesh.Roster;
using Koi.Core.Errors;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Koi.Certmesh.MeshPlane;

/// <summary>
/// The routes of the CA's mTLS plane, under <c>/v1/certmesh/mesh</c>. Member routes need a client certificate that
/// passed <see cref="MeshPeerValidator"/> at the handshake; it is checked again per request, so a connection opened
/// before a revocation cannot outlive it. <c>join</c> and its poll need no client certificate: they are enrollment
/// over TLS, so the joiner can check the CA's certificate against the fingerprint it trusts before it sends the code
/// (docs/security.md "Enrollment").
/// </summary>
internal static class MeshRoutes
{
    public const string Prefix = "/v1/certmesh/mesh";

    public static void Map(IEndpointRouteBuilder app)
    {
        var group = app.MapGroup(Prefix);
        group.MapPost("/renew", (HttpContext context, MemberRenewals renewals, MeshPeerValidator validator, RenewRequest? body, CancellationToken ct) =>
            renewals.RenewAsync(RequirePeer(context, validator), body ?? new RenewRequest(null), context.Connection.RemoteIpAddress, ct));
        group.MapPost("/prove-address", (HttpContext context, MemberRenewals renewals, MeshPeerValidator validator) =>
        {
            // The TCP handshake proves the source address; the client certificate says whose it is.
            var peer = RequirePeer(context, validator);
            var source = context.Connection.RemoteIpAddress ?? throw new KoiException(KoiErrorCode.InvalidRequest, "no source address");
            renewals.Proofs.Record(peer.Hostname, source);
            return new AddressProofView(Enrollment.JoinAddresses.Normalize(source).ToString());
        });
        group.MapPost("/heartbeat", (HttpContext context, Heartbeats heartbeats, MeshPeerValidator validator, HeartbeatRequest? body, CancellationToken ct) =>
            heartbeats.RecordAsync(RequirePeer(context, validator), body ?? new HeartbeatRequest(null, null, null), ct));
        MapJoin(group);
        Standby.StandbyRoutes.Map(group);
    }

    /// <summary>Enrollment: <c>join</c> and its poll, the only place a join code is read (the HTTP port refuses them).</summary>
    public static void MapJoin(IEndpointRouteBuilder group)
    {
        group.MapPost("/join", async (HttpContext context, CertmeshAuthority ca, JoinRequest? body, CancellationToken ct) =>
            EnrollmentEndpoints.Answer(await ca.JoinAsync(body ?? new JoinRequest(null, null, null, null), EnrollmentEndpoints.Source(context), ct)))
            .Produces<JoinIssued>(StatusCodes.Status200OK).Produces<JoinPending>(StatusCodes.Status202Accepted);
        group.MapGet("/join/{requestId}", async (CertmeshAuthority ca, string requestId, CancellationToken ct) =>
            EnrollmentEndpoints.Answer(await ca.PollJoinAsync(requestId, ct)))
            .Produces<JoinIssued>(StatusCodes.Status200OK).Produces<JoinPending>(StatusCodes.Status202Accepted);
    }

    /// <summary>The member behind this request's client certificate, or a 401/403 that says why not.</summary>
    public static MeshPeer RequirePeer(HttpContext context, MeshPeerValidator validator)
    {
        if (context.Connection.ClientCertificate is not { } certificate)
        {
            throw new KoiException(KoiErrorCode.Unauthorized, "this route needs the member's mesh certificate as TLS client certificate");
        }

        return validator.Validate(certificate, out var problem)
            ?? throw new KoiException(problem == "revoked" ? KoiErrorCode.Revoked : KoiErrorCode.Forbidden, $"client certificate refused: {problem}");
    }
}
