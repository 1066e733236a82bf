using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Koi.Certmesh.Authority;
using Koi.Certmesh.Membership;
using Koi.Certmesh.Roster;

namespace Koi.Certmesh.MeshPlane;

/// <summary>
/// Decides at the handshake whether a client certificate belongs to the mesh: it chains to this CA (and to nothing
/// else), is within its validity, is not revoked, and names an active member. Everything it reads is in memory.
/// </summary>
internal sealed class MeshPeerValidator(CaContext ca, CaVault vault, IRevocationSet revocations)
{
    public MeshPeer? Validate(X509Certificate2 certificate, out string? problem)
    {
        if (vault.CaCert is not { } caCert || ca.Roster.Current is not { } roster)
        {
            problem = "no CA on this machine";
            return null;
        }

        if (HelloVerifier.ChainProblem(certificate, caCert, ca.Now) is { } chain)
        {
            problem = $"not a certificate of this mesh: {chain}";
            return null;
        }

        var hostname = certificate.GetNameInfo(X509NameType.SimpleName, forIssuer: false);
        if (revocations.IsRevoked(certificate) || MemberStanding.IsRevoked(roster, hostname))
        {
            problem = "revoked";
            return null;
        }

        if (roster.Members.FirstOrDefault(m => m.Status == MemberStatus.Active && MemberStanding.SameHost(m.Hostname, hostname)) is not { } member)
        {
            problem = "not an active member";
            return null;
        }

        // A certificate a renewal replaced is refused here as the bundle lists it (superseded, after the grace).
        if (member.Superseded is { Count: > 0 } superseded)
        {
            var serial = Revocation.RevocationListSigner.SerialHex(certificate.SerialNumberBytes.Span);
            if (superseded.Any(s => string.Equals(s.Serial, serial, StringComparison.OrdinalIgnoreCase) && Revocation.TrustBundlePublisher.RetiredAt(member, s, ca.Now) is not null))
            {
                problem = "superseded by a renewal";
                return null;
            }
        }

        problem = null;
        return new MeshPeer(
            roster.Members.First(m => MemberStanding.SameHost(m.Hostname, hostname)).Hostname,
            Convert.ToHexStringLower(SHA256.HashData(certificate.RawData)),
            certificate.SerialNumber.ToLowerInvariant(),
            certificate.NotAfter.ToUniversalTime());
    }
}
