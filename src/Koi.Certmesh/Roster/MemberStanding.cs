using Koi.Certmesh.Api;
using Koi.Certmesh.Authority;
using Koi.Core.Errors;
using Microsoft.Extensions.Logging;

namespace Koi.Certmesh.Roster;

/// <summary>
/// Who is in good standing in the mesh: revocation, and the check every member-authenticated operation (renewal,
/// heartbeat, …) makes before it does anything for a member.
/// </summary>
internal sealed partial class MemberStanding(CaContext ca, Revocation.BundleKeeper bundles, Audit.AuditHeadSigner heads)
{
    /// <summary>
    /// Takes a member out of the mesh: status revoked, an entry in <c>revocation_list</c>, audited. Its hostname can
    /// never join again, and <see cref="RequireInGoodStanding"/> refuses it. With the CA unlocked the trust bundle and
    /// CRL naming its serial are signed at once; while locked, at the next unlock (the API answer says which).
    /// </summary>
    public Task<RevocationEntry> RevokeAsync(string? hostname, string? reason, CancellationToken cancellationToken)
    {
        var name = OperatorInput.RequireHostname(hostname);
        var why = OperatorInput.Note("reason", reason);
        return ca.Serialized(() =>
        {
            var roster = ca.RequireInitialized();
            var member = roster.Members.FirstOrDefault(m => SameHost(m.Hostname, name))
                ?? throw new KoiException(KoiErrorCode.NotFound, $"{name} is not a member of this mesh (koi certmesh status)");
            if (member.Role == MemberRole.Primary)
            {
                throw new KoiException(KoiErrorCode.InvalidRequest, $"{name} is the primary; it cannot be revoked (koi certmesh destroy ends the mesh)");
            }

            if (member.Status == MemberStatus.Revoked)
            {
                throw new KoiException(KoiErrorCode.Conflict, $"{name} is already revoked");
            }

            // The serial is what the trust bundle, the CRL and every handshake check name; a member enrolled before
            // koi recorded serials is refused by the CA but cannot be listed in the CRL. Certificates a renewal replaced
            // and that are still valid go with it: revoking a machine revokes every certificate it could present.
            var now = ca.Now;
            List<string> serials = [.. member.CertSerial is { } serial ? [serial] : Array.Empty<string>(),
                .. (member.Superseded ?? []).Where(s => s.NotAfter > now).Select(s => s.Serial)];
            var entry = new RevocationEntry(member.Hostname, now, roster.Metadata.Operator, why, serials.Count == 0 ? null : serials);
            ca.Roster.Update(r => r! with
            {
                Members = [.. r.Members.Select(m => ReferenceEquals(m, member) ? m with { Status = MemberStatus.Revoked } : m)],
                RevocationList = [.. r.RevocationList, entry],
            });
            ca.Audit.Write("member_revoked", ("hostname", member.Hostname), ("fingerprint", member.CertFingerprint), ("by", entry.RevokedBy), ("reason", why));
            LogMemberRevoked(ca.Logger, member.Hostname, entry.RevokedBy);
            ca.Publish("member_revoked", new MemberRevokedEvent(member.Hostname, entry.RevokedBy, why));

            // Signed before the bundle is: the bundle members fetch names the revocation's line, so cutting it shows.
            heads.Sign();
            bundles.PublishIfDue();
            return entry;
        }, cancellationToken);
    }

    /// <summary>True when <paramref name="hostname"/> was revoked from this mesh.</summary>
    public bool IsRevoked(string hostname) => ca.Roster.Current is { } roster && IsRevoked(roster, hostname);

    /// <summary>
    /// For every member-authenticated operation (renewal, heartbeat …): the active member named
    /// <paramref name="hostname"/>, presenting its current certificate when <paramref name="certFingerprint"/> is given.
    /// A revoked hostname or a revoked member's certificate is <c>403 revoked</c> (audited); anything else not in good
    /// standing is <c>403 forbidden</c>.
    /// </summary>
    public RosterMember RequireInGoodStanding(string hostname, string? certFingerprint, string action)
    {
        var roster = ca.RequireInitialized();
        if (IsRevoked(roster, hostname)
            || (certFingerprint is not null && roster.Members.Any(m => m.Status == MemberStatus.Revoked && string.Equals(m.CertFingerprint, certFingerprint, StringComparison.OrdinalIgnoreCase))))
        {
            ca.Audit.Write("denied", ("action", action), ("hostname", hostname), ("reason", "revoked"));
            throw new KoiException(KoiErrorCode.Revoked, $"{hostname} was revoked from this mesh");
        }

        var member = roster.Members.FirstOrDefault(m => SameHost(m.Hostname, hostname) && m.Status == MemberStatus.Active);
        if (member is null || (certFingerprint is not null && !string.Equals(member.CertFingerprint, certFingerprint, StringComparison.OrdinalIgnoreCase)))
        {
            ca.Audit.Write("denied", ("action", action), ("hostname", hostname), ("reason", member is null ? "not_a_member" : "not_current_certificate"));
            throw new KoiException(KoiErrorCode.Forbidden, member is null ? $"{hostname} is not a member of this mesh" : $"that is not {hostname}'s current certificate");
        }

        return member;
    }

    /// <summary>Why <paramref name="hostname"/> cannot join (revoked, or already a member); null when it can.</summary>
    public static (string Reason, string Code, string Message)? JoinRefusal(RosterDocument roster, string hostname)
    {
        if (IsRevoked(roster, hostname))
        {
            return ("revoked", KoiErrorCode.Revoked, $"{hostname} was revoked from this mesh and cannot join again");
        }

        if (roster.Members.Any(m => SameHost(m.Hostname, hostname) && m.Status == MemberStatus.Active))
        {
            return ("conflict", KoiErrorCode.Conflict, $"{hostname} is already an active member of this mesh");
        }

        return null;
    }

    public static bool IsRevoked(RosterDocument roster, string hostname) =>
        roster.RevocationList.Any(r => SameHost(r.Hostname, hostname))
        || roster.Members.Any(m => SameHost(m.Hostname, hostname) && m.Status == MemberStatus.Revoked);

    public static bool SameHost(string a, string b) => string.Equals(a, b, StringComparison.OrdinalIgnoreCase);
}
