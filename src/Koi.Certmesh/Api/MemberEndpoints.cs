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
        group.MapPost("/member/identify", (MemberJoiner joiner, IdentifyRequest body, CancellationToken ct) =>
            joiner.IdentifyAsync(string.IsNullOrWhiteSpace(body.Endpoint) ? throw Missing("endpoint") : body.Endpoint, ct));
        group.MapPost("/member/join", JoinAsync);
        group.MapPost("/member/join/{requestId}/poll", PollAsync);
        group.MapDelete("/member/join/{requestId}", (MemberJoiner joiner, string requestId) =>
            joiner.Cancel(requestId) ? Results.Ok(new JoinCancelledView(true)) : throw new KoiException(KoiErrorCode.NotFound, $"no join waiting under '{requestId}'"));
        group.MapGet("/member", (MemberJoiner joiner) =>
            joiner.Membership.Current ?? throw new KoiException(KoiErrorCode.NotFound, "this machine has not joined a mesh (koi certmesh join)"));
        group.MapPost("/member/verify-ca", async (CaPinMonitor monitor, CancellationToken ct) =>
            await monitor.CheckAsync(ct) ?? throw new KoiException(KoiErrorCode.NotFound, "this machine has not joined a mesh (koi certmesh join)"));
    }

    private static async Task<DiscoveryView> DiscoverAsync(MemberJoiner joiner, TimeProvider time, double? wait, CancellationToken ct)
    {
        var deadline = time.GetUtcNow() + TimeSpan.FromSeconds(Math.Clamp(wait ?? 0, 0, MaxDiscoveryWait.TotalSeconds));
        var found = joiner.DiscoverCas();
        while (found.Count == 0 && time.GetUtcNow() < deadline)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(250), time, ct);
            found = joiner.DiscoverCas();
        }

        return new DiscoveryView(found);
    }

    private static async Task<IResult> JoinAsync(MemberJoiner joiner, MemberJoinRequest body, CancellationToken ct)
    {
        var result = await joiner.JoinAsync(body, ct);
        return result.RequestId is null ? Results.Ok(result) : Results.Accepted(value: result);
    }

    private static async Task<IResult> PollAsync(MemberJoiner joiner, string requestId, CancellationToken ct)
    {
        var result = await joiner.PollAsync(requestId, ct);
        return result.Status == "pending" ? Results.Accepted(value: result) : Results.Ok(result);
    }

    private static KoiException Missing(string field) => new(KoiErrorCode.InvalidRequest, $"missing required field: {field}");

    internal sealed record IdentifyRequest(string? Endpoint);

    internal sealed record DiscoveryView(IReadOnlyList<DiscoveredCa> Cas);
}
