using System.Globalization;
using Koi.Certmesh.Authority;
using Koi.Core.Storage;

namespace Koi.Certmesh.Standby;

/// <summary>
/// A primary that sees a valid primary with a higher epoch (or, at the same epoch, a lower host name) stops
/// signing at once: it withdraws its announcement, moves its CA files to <c>certmesh/standby/</c>, keeps the key
/// unlocked there for a later takeover, and follows the winner (docs/certmesh.md, "Return and tie-break"). From
/// then on this machine is also a member of the winner's mesh: its own certificate renews there like any member's.
/// </summary>
internal sealed class StandbyDeferral(
    CertmeshAuthority authority, StandbyNode node, Membership.MemberAuditTrail? local = null, Membership.MembershipStore? membership = null)
{
    public async Task<HaState> DeferAsync(RoleClaim winner, PrimaryLink link, string reason, CancellationToken cancellationToken)
    {
        await node.Gate.WaitAsync(cancellationToken);
        try
        {
            var ca = authority.Context;
            return await ca.SerializedAsync(async () =>
            {
                ca.RequireInitialized();
                var mine = authority.Handover.State;
                ca.Audit.Write("deferred", ("to", winner.Hostname), ("their_epoch", winner.Epoch.ToString(CultureInfo.InvariantCulture)),
                    ("my_epoch", mine.Epoch.ToString(CultureInfo.InvariantCulture)), ("reason", reason));
                // The CA log copy is replaced by the winner's at the next sync; this machine's own trail keeps the change.
                local?.Write("deferred", ("to", winner.Hostname), ("their_epoch", winner.Epoch.ToString(CultureInfo.InvariantCulture)),
                    ("my_epoch", mine.Epoch.ToString(CultureInfo.InvariantCulture)), ("reason", reason));
                CaFileMove.Copy(ca.Files, node.Files);
                // The roster as it stands: roster.json alone lacks the joins and renewals still in its journal.
                AtomicFile.WriteAllText(node.Files.Roster, KoiJson.ToIndentedString(ca.Roster.Current!, CertmeshJsonContext.Default.RosterDocument));
                var roster = ca.Roster.Current!;
                if (membership is not null && roster.Members.FirstOrDefault(m => Roster.MemberStanding.SameHost(m.Hostname, ca.Hostname)) is { } own)
                {
                    membership.Save(AsMember(membership.Current, roster, own, link, winner, ca.Files.CertPath(own.Hostname)));
                    local?.Write("member_of", ("ca", winner.Hostname), ("endpoint", link.Endpoint), ("pinned", roster.Metadata.CaFingerprint));
                }

                var secrets = authority.Vault.Surrender();
                await authority.Announcer.WithdrawAsync($"deferred to {winner.Hostname} (epoch {winner.Epoch})");
                ca.Audit.Close();
                authority.Lifecycle.ClearLeftovers();
                ca.Roster.Delete();
                if (secrets is not null)
                {
                    node.Adopt(secrets);
                }

                node.SaveLink(link);
                var state = node.Ha.Save(new HaState(HaRole.Standby, winner.Epoch, ca.Now, winner.Hostname, ca.Hostname, reason));
                ca.Health.Running($"standby: deferred to {winner.Hostname} (epoch {winner.Epoch})");
                ca.Publish("deferred", new RoleChangedEvent(ca.Hostname, "standby", winner.Epoch, reason));
                return state;
            }, cancellationToken);
        }
        finally
        {
            node.Gate.Release();
        }
    }

    /// <summary>This machine's membership of the winner's mesh: its own roster entry, the winner's endpoint, the same pin.</summary>
    internal static Membership.MembershipDocument AsMember(
        Membership.MembershipDocument? existing, Roster.RosterDocument roster, Roster.RosterMember own, PrimaryLink link, RoleClaim winner, string certPath)
    {
        var member = existing ?? new Membership.MembershipDocument
        {
            Hostname = own.Hostname,
            CaEndpoint = link.Endpoint,
            CaHostname = winner.Hostname,
            PinnedCaFingerprint = roster.Metadata.CaFingerprint,
            Profile = CreatePlan.ProfileFlag(roster.Metadata.TrustProfile),
            RequiresApproval = false,
            JoinedAt = own.EnrolledAt,
            CertPath = certPath,
            Sans = own.CertSans,
            CertExpires = own.CertExpires,
        };
        return member with
        {
            Hostname = own.Hostname,
            CaEndpoint = link.Endpoint,
            CaHostname = winner.Hostname,
            CaMeshPort = link.MeshPort,
            PinnedCaFingerprint = roster.Metadata.CaFingerprint,
            CertPath = certPath,
            Sans = own.CertSans,
            CertExpires = own.CertExpires,
            LastRenewed = own.LastRenewed ?? member.LastRenewed,
            ReloadHook = own.ReloadHook ?? member.ReloadHook,
            Alert = null,
        };
    }
}
