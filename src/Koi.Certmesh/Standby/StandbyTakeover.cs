using System.Globalization;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Koi.Certmesh.Authority;
using Koi.Certmesh.Roster;
using Koi.Core.Errors;
using Koi.Core.Storage;

namespace Koi.Certmesh.Standby;

/// <summary>
/// The standby becomes the primary (docs/certmesh.md, "Failover"): the CA files move from <c>certmesh/standby/</c>
/// into <c>certmesh/</c>, the synced roster names this machine primary and the old one standby, the epoch grows by
/// one, the unlocked key passes to the CA's vault, and the CA announces itself. Needs the standby unlocked.
/// </summary>
internal sealed class StandbyTakeover(CertmeshAuthority authority, StandbyNode node)
{
    public async Task<HaState> TakeOverAsync(string reason, CancellationToken cancellationToken)
    {
        await node.Gate.WaitAsync(cancellationToken);
        try
        {
            if (!node.IsStandby || node.RosterText is not { } rosterText || node.CaCert is not { } standbyCert)
            {
                throw new KoiException(KoiErrorCode.InvalidRequest, "this machine is not a standby CA");
            }

            if (node.Locked)
            {
                throw new KoiException(KoiErrorCode.CaLocked, "the standby is locked and cannot take over; run koi certmesh unlock here");
            }

            var ca = authority.Context;
            return await ca.SerializedAsync(async () =>
            {
                if (ca.Roster.Current is { } existing)
                {
                    throw new KoiException(KoiErrorCode.Conflict, $"a CA is active here already ({existing.Metadata.CaFingerprint})");
                }

                var old = node.Ha.Current!;
                var synced = JsonSerializer.Deserialize(rosterText, CertmeshJsonContext.Default.RosterDocument)
                    ?? throw new KoiException(KoiErrorCode.InvalidRequest, "the standby's roster is empty");
                var hostname = ca.Hostname;
                var now = ca.Now;
                authority.Lifecycle.ClearLeftovers();
                CaFileMove.Copy(node.Files, ca.Files);
                ca.Audit.Open();
                var roster = synced with
                {
                    Metadata = synced.Metadata with { AutoUnlock = false, AutoUnlockMethod = null },
                    Members = [.. synced.Members.Select(m =>
                        MemberStanding.SameHost(m.Hostname, hostname) ? m with { Role = MemberRole.Primary, CertPath = ca.Files.CertPath(m.Hostname) }
                        : m.Role == MemberRole.Primary ? m with { Role = MemberRole.Standby }
                        : m)],
                };
                ca.Roster.Replace(roster);
                var state = node.Ha.Save(new HaState(HaRole.Primary, old.Epoch + 1, now, hostname, old.Primary, reason));
                ca.Audit.Write("became_primary", ("epoch", state.Epoch.ToString(CultureInfo.InvariantCulture)),
                    ("previous_primary", old.Primary), ("reason", reason));
                authority.Vault.Adopt(X509CertificateLoader.LoadCertificate(standbyCert.RawData), node.Release()!);
                CaFileMove.ClearStandby(node.Files);
                authority.Bundles.Load(roster);
                authority.Bundles.PublishIfDue();
                authority.Window.Reconcile(roster);
                ca.Health.Running("unlocked (took over as primary)");
                ca.Publish("became_primary", new RoleChangedEvent(hostname, "primary", state.Epoch, reason));
                await authority.Announcer.AnnounceAsync(hostname, roster.Metadata.CaFingerprint, CreatePlan.ProfileFlag(roster.Metadata.TrustProfile), cancellationToken);
                return state;
            }, cancellationToken);
        }
        finally
        {
            node.Gate.Release();
        }
    }
}

/// <summary>The <c>became_primary</c> and <c>deferred</c> events.</summary>
internal sealed record RoleChangedEvent(string Hostname, string Role, long Epoch, string Reason);
