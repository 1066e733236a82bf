using Koi.Certmesh.Authority;
using Koi.Certmesh.Membership;
using Koi.Certmesh.Roster;
using Koi.Core.Health;

namespace Koi.Certmesh.Health;

/// <summary>
/// Certificates for the machine list of <c>koi health</c>: on the CA, each member's as the roster records it (with
/// the renewal state the member last reported, and the CA host's own renewal); on a member, its own certificate.
/// </summary>
internal sealed class CertmeshCertificateFacts(CertmeshAuthority authority, MemberService? member = null) : ICertificateFacts
{
    public MachineCertificate? Find(string hostname)
    {
        if (authority.Roster.Current is not { } roster)
        {
            return member?.OwnMachineCertificate(hostname);
        }

        foreach (var entry in roster.Members)
        {
            if (!string.Equals(entry.Hostname, hostname, StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            var problem = entry.Status == MemberStatus.Revoked ? "revoked"
                : entry.PinnedCaFingerprint != roster.Metadata.CaFingerprint ? "pinned to a different CA"
                : null;
            // The roster keeps the expiry; the start follows from the policy the certificate was issued under.
            var lifetime = roster.Metadata.Policy.Lifetime;
            return new MachineCertificate(
                entry.CertExpires,
                problem is null,
                problem,
                NotBefore: entry.CertExpires - lifetime,
                Revoked: entry.Status == MemberStatus.Revoked,
                RenewalProblem: RenewalProblem(entry));
        }

        return null;
    }

    /// <summary>"failing: why" as the member reported it by heartbeat; for the CA host, its own last renewal failure.</summary>
    private string? RenewalProblem(RosterMember entry)
    {
        if (entry.Role == MemberRole.Primary)
        {
            return authority.OwnCertificate.RenewalProblem;
        }

        const string Failing = "failing";
        return entry.RenewalState is { } state && state.StartsWith(Failing, StringComparison.Ordinal)
            ? state[Failing.Length..].TrimStart(':', ' ') is { Length: > 0 } why ? why : Failing
            : null;
    }
}
