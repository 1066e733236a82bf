using Koi.Certmesh.Authority;
using Koi.Certmesh.Membership;
using Koi.Certmesh.Revocation;
using Koi.Core.Capabilities;
using Koi.Core.Errors;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Koi.Certmesh.Api;

/// <summary>
/// What the CA publishes about revocation, to the LAN: the signed trust bundle members fetch and the X.509 CRL other
/// servers read. Both are signed public data. A member's <c>nudge</c> only makes it fetch from its pinned CA now.
/// </summary>
internal static class RevocationEndpoints
{
    public const string DerType = "application/pkix-crl";
    public const string PemType = "application/x-pem-file";

    public static void Map(IEndpointRouteBuilder group)
    {
        group.MapGet("/bundle", (CertmeshAuthority ca) => Held(ca).Signed).WithMetadata(LanEndpoint.Instance);
        group.MapGet("/crl", Crl).WithMetadata(LanEndpoint.Instance)
            .Produces<byte[]>(StatusCodes.Status200OK, DerType).Produces<string>(StatusCodes.Status200OK, PemType);
        group.MapPost("/member/nudge", (MemberService member) =>
            member.Nudge() ? Results.Accepted(value: new NudgeAnswer(true)) : Results.Ok(new NudgeAnswer(false))).WithMetadata(LanEndpoint.Instance)
            .Produces<NudgeAnswer>(StatusCodes.Status200OK).Produces<NudgeAnswer>(StatusCodes.Status202Accepted);
    }

    /// <summary>DER by default (<c>application/pkix-crl</c>, RFC 5280 §5); PEM with <c>?format=pem</c> or <c>Accept: application/x-pem-file</c>.</summary>
    private static IResult Crl(CertmeshAuthority ca, HttpContext context, string? format)
    {
        var held = Held(ca);
        var accept = context.Request.Headers.Accept.ToString();
        var pem = string.Equals(format, "pem", StringComparison.OrdinalIgnoreCase)
            || (format is null && accept.Contains(PemType, StringComparison.OrdinalIgnoreCase));
        if (format is not (null or "pem" or "der"))
        {
            throw new KoiException(KoiErrorCode.InvalidRequest, $"format '{format}' must be der or pem");
        }

        return pem ? Results.Text(held.Bundle.Crl, PemType) : Results.Bytes(held.CrlDer, DerType);
    }

    private static HeldBundle Held(CertmeshAuthority ca)
    {
        if (!ca.Initialized)
        {
            throw CertmeshAuthority.NotInitialized();
        }

        return ca.Bundle ?? throw new KoiException(KoiErrorCode.NotFound, "no trust bundle signed yet: it is signed when the CA is unlocked (koi certmesh unlock)");
    }

    internal sealed record NudgeAnswer(bool Checking);
}
