using System.Collections.Concurrent;
using Koi.Certmesh.Authority;
using Koi.Certmesh.MeshPlane;
using Koi.Core.Errors;

namespace Koi.Certmesh.Roster;

/// <summary>
/// A member's periodic report over the mesh plane: the CA records when it was last seen, its reload hook and its
/// renewal state in the roster, and answers with its clock and the policy the member renews by.
/// A beat that changes nothing but the time is kept in memory: the roster file is rewritten when the hook or the
/// renewal state changes, or when the stored sighting is older than <see cref="PersistSightingEvery"/> — not on every
/// beat of every member (docs/certmesh.md "Heartbeat").
/// </summary>
internal sealed class Heartbeats(CaContext ca)
{
    /// <summary>A sighting reaches the roster file at least this often, so a restarted CA knows roughly who was around.</summary>
    public static readonly TimeSpan PersistSightingEvery = TimeSpan.FromHours(1);

    private readonly ConcurrentDictionary<string, DateTimeOffset> _seen = new(StringComparer.OrdinalIgnoreCase);
    private readonly DateTimeOffset _since = ca.Now;

    public const int MaxHookChars = 512;
    public const int MaxStateChars = 256;

    /// <summary>A member not seen for more than this many check intervals is shown as stale.</summary>
    public const int StaleAfterIntervals = 2;

    public Task<HeartbeatResponse> RecordAsync(MeshPeer peer, HeartbeatRequest body, CancellationToken cancellationToken)
    {
        var hook = Bounded("reload_hook", body.ReloadHook, MaxHookChars);
        var state = Bounded("renewal_state", body.RenewalState, MaxStateChars);
        return ca.Serialized(() =>
        {
            var roster = ca.RequireInitialized();
            var now = ca.Now;
            _seen[peer.Hostname] = now;
            var stored = roster.Members.FirstOrDefault(m => MemberStanding.SameHost(m.Hostname, peer.Hostname));

            // The first beat with the current certificate proves the member got its last renewal: from now on the
            // certificates it replaced may be listed as superseded (TrustBundlePublisher.Revoked).
            var firstWithCurrent = stored is { CertSeenAt: null } && string.Equals(stored.CertFingerprint, peer.CertFingerprint, StringComparison.OrdinalIgnoreCase);
            if (stored is not null && (stored.ReloadHook != hook || stored.RenewalState != state || firstWithCurrent
                || stored.LastSeen is not { } seen || now - seen >= PersistSightingEvery))
            {
                ca.Roster.Update(r => r! with
                {
                    Members = [.. r.Members.Select(m => MemberStanding.SameHost(m.Hostname, peer.Hostname)
                        ? m with { LastSeen = now, ReloadHook = hook, RenewalState = state, CertSeenAt = firstWithCurrent ? now : m.CertSeenAt }
                        : m)],
                });
            }
            var policy = roster.Metadata.Policy;
            return new HeartbeatResponse(peer.Hostname, now, new MeshPolicyView((long)policy.Lifetime.TotalSeconds, (long)policy.RenewAfter.TotalSeconds));
        }, cancellationToken);
    }

    /// <summary>When <paramref name="member"/> last reported: this daemon's latest sighting, else the roster's.</summary>
    public DateTimeOffset? LastSeen(RosterMember member) =>
        _seen.TryGetValue(member.Hostname, out var seen) && (member.LastSeen is not { } stored || seen > stored) ? seen : member.LastSeen;

    /// <summary>
    /// True when <paramref name="member"/> has not reported for more than two check intervals. The count starts at
    /// this daemon's start at the earliest: a restarted CA gives every member one chance to beat first.
    /// </summary>
    public bool IsStale(RosterMember member, DateTimeOffset now, TimeSpan interval)
    {
        if (member.Role == MemberRole.Primary || member.Status != MemberStatus.Active)
        {
            return false;
        }

        var seen = LastSeen(member);
        var from = seen is { } s && s > _since ? s : _since;
        return now - from > interval * StaleAfterIntervals;
    }

    private static string? Bounded(string field, string? text, int max)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        if (text.Length > max || text.Any(char.IsControl))
        {
            throw new KoiException(KoiErrorCode.InvalidRequest, $"{field} must be one line of at most {max} characters");
        }

        return text.Trim();
    }
}
