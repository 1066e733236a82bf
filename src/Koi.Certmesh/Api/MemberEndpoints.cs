using Koi.Certmesh.Membership;
using Koi.Core.Errors;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Koi.Certmesh.Api;

/// <summary>
/// The joiner's routes on its own daemon (loopback only): find CAs, prove who a CA is, join, wait for approval,
/// and check the pin on demand. The CLI renders; the key and the CSR are made here.
/// </summary>
internal static class MemberEndpoints
{
    public static readonly TimeSpan MaxDiscoveryWait = TimeSpan.FromSeconds(10);

    public static void Map(IEndpointRouteBuilder group)
    {
        group.MapGet("/cas", DiscoverAsync);
        group.MapPost("/member/identify", (MemberService member, IdentifyRequest body, CancellationToken ct) =>
            member.Joiner.IdentifyAsync(string.IsNullOrWhiteSpace(body.Endpoint) ? throw Missing("endpoint") : body.Endpoint, ct));
        group.MapPost("/member/join", JoinAsync)
            .Produces<MemberJoinResult>(StatusCodes.Status200OK).Produces<MemberJoinResult>(StatusCodes.Status202Accepted);
        group.MapPost("/member/join/{requestId}/poll", PollAsync)
            .Produces<MemberJoinResult>(StatusCodes.Status200OK).Produces<MemberJoinResult>(StatusCodes.Status202Accepted);
        group.MapDelete("/member/join/{requestId}", (MemberService member, string requestId) =>
            member.Joiner.Cancel(requestId) ? TypedResults.Ok(new JoinCancelledView(true)) : throw new KoiException(KoiErrorCode.NotFound, $"no join waiting under '{requestId}'"));
        group.MapGet("/member", (MemberService member) =>
            member.Membership.Current ?? throw new KoiException(KoiErrorCode.NotFound, "this machine has not joined a mesh (koi certmesh join)"));
        group.MapPost("/member/verify-ca", (MemberService member, CancellationToken ct) => member.CheckNowAsync(ct));
    }

    private static async Task<DiscoveryView> DiscoverAsync(MemberService member, TimeProvider time, double? wait, CancellationToken ct)
    {
        var deadline = time.GetUtcNow() + TimeSpan.FromSeconds(Math.Clamp(wait ?? 0, 0, MaxDiscoveryWait.TotalSeconds));
        var found = member.Joiner.DiscoverCas();
        while (found.Count == 0 && time.GetUtcNow() < deadline)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(250), time, ct);
            found = member.Joiner.DiscoverCas();
        }

        return new DiscoveryView(found);
    }

    private static async Task<IResult> JoinAsync(MemberService member, MemberJoinRequest body, CancellationToken ct)
    {
        var result = await member.Joiner.JoinAsync(body, ct);
        return result.RequestId is null ? Results.Ok(result) : Results.Accepted(value: result);
    }

    private static async Task<IResult> PollAsync(MemberService member, string requestId, CancellationToken ct)
    {
        var result = await member.Joiner.PollAsync(requestId, ct);
        return result.Status == "pending" ? Results.Accepted(value: result) : Results.Ok(result);
    }

    private static KoiException Missing(string field) => new(KoiErrorCode.InvalidRequest, $"missing required field: {field}");

    internal sealed record IdentifyRequest(string? Endpoint);

    internal sealed record JoinCancelledView(bool Cancelled);

    internal sealed record DiscoveryView(IReadOnlyList<DiscoveredCa> Cas);
}
