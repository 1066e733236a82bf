using System.Security.Cryptography.X509Certificates;
using Koi.Certmesh.Membership;
using Koi.Core.Errors;

namespace Koi.Certmesh.Standby;

/// <summary>
/// Asks another CA of the mesh, over its mTLS plane, for its signed role claim. A claim counts only when its
/// signature verifies under this mesh's CA certificate and it names that CA; anything else is "no answer".
/// </summary>
internal sealed class PeerProbe(MeshClient mesh)
{
    public async Task<ProbeAnswer> ProbeAsync(PrimaryLink link, X509Certificate2 caCert, CancellationToken cancellationToken)
    {
        Koi.Certmesh.Standby.SignedManifest signed;
        try
        {
            signed = await mesh.SendAsync(link.AsMember(), "/standby/probe", System.Net.Http.Json.JsonContent.Create(new EmptyBody(), CertmeshJsonContext.Default.EmptyBody), CertmeshJsonContext.Default.SignedManifest, cancellationToken);
        }
        catch (Exception ex) when (ex is KoiException or MeshServerRefusedException or IOException or HttpRequestException)
        {
            return new ProbeAnswer(null, ex.Message);
        }

        var claim = ManifestSigner.Verify(signed, CertmeshJsonContext.Default.RoleClaim, caCert, StandbyHandover.ClaimContext, out var problem);
        if (claim is null)
        {
            return new ProbeAnswer(null, problem);
        }

        return claim.CaFingerprint == link.PinnedCaFingerprint ? new ProbeAnswer(claim, null) : new ProbeAnswer(null, "the claim names another CA");
    }
}

/// <summary>A verified claim, or why there is none.</summary>
internal sealed record ProbeAnswer(RoleClaim? Claim, string? Problem)
{
    public bool IsPrimary => Claim is { Role: "primary" };
}
