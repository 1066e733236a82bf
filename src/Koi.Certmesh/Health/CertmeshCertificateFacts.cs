using Koi.Certmesh.Authority;
using Koi.Certmesh.Roster;
using Koi.Core.Health;

namespace Koi.Certmesh.Health;

/// <summary>Each member's certificate as the roster records it, for the machine list of <c>koi health</c>.</summary>
internal sealed class CertmeshCertificateFacts(CertmeshAuthority authority) : ICertificateFacts
{
    public MachineCertificate? Find(string hostname)
    {
        if (authority.Roster.Current is not { } roster)
        {
            return null;
        }

        foreach (var member in roster.Members)
        {
            if (!string.Equals(member.Hostname, hostname, StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            var problem = member.Status == MemberStatus.Revoked ? "revoked"
                : member.PinnedCaFingerprint != roster.Metadata.CaFingerprint ? "pinned to a different CA"
                : null;
            // The roster keeps the expiry; the start follows from the policy the certificate was issued under.
            var lifetime = TimeSpan.FromDays(roster.Metadata.Policy.LifetimeDays);
            return new MachineCertificate(
                member.CertExpires,
                problem is null,
                problem,
                NotBefore: member.CertExpires - lifetime,
                Revoked: member.Status == MemberStatus.Revoked);
        }

        return null;
    }
}
