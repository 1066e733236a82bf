using Koi.Certmesh.Authority;
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
        group.MapPut("/member/hook", SetHookAsync);
    }

    /// <summary>
    /// The reload hook of this machine's certificate: a member's own, or on the CA host the hook its own service
    /// certificate's renewal runs (kept on the primary's roster entry).
    /// </summary>
    private static async Task<HookView> SetHookAsync(MemberService member, CertmeshAuthority ca, SetHookRequest body, CancellationToken ct)
    {
        if (member.Membership.Current is not null || !ca.Initialized)
        {
            return member.SetHook(body.Reload, body.Clear == true);
        }

        var hook = MemberService.HookFrom(body.Reload, body.Clear == true);
        return new HookView(await ca.OwnCertificate.SetHookAsync(hook, ct));
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
        if (result.Status == "enrolled")
        {
            // The trust bundle (and the CRL nginx may point at) from the first minute, not the first check interval.
            member.Nudge();
        }

        return result.RequestId is null ? Results.Ok(result) : Results.Accepted(value: result);
    }

    private static async Task<IResult> PollAsync(MemberService member, string requestId, CancellationToken ct)
    {
        var result = await member.Joiner.PollAsync(requestId, ct);
        if (result.Status == "enrolled")
        {
            member.Nudge();
        }

        return result.Status == "pending" ? Results.Accepted(value: result) : Results.Ok(result);
    }

    private static KoiException Missing(string field) => new(KoiErrorCode.InvalidRequest, $"missing required field: {field}");

    internal sealed record IdentifyRequest(string? Endpoint);

    /// <summary><c>PUT /v1/certmesh/member/hook</c>: the command to run after every renewal, or <c>clear</c>.</summary>
    internal sealed record SetHookRequest(string? Reload, bool? Clear);

    internal sealed record JoinCancelledView(bool Cancelled);

    internal sealed record DiscoveryView(IReadOnlyList<DiscoveredCa> Cas);
}
