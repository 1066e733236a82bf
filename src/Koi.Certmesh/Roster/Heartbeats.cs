using Koi.Certmesh.Authority;
using Koi.Certmesh.MeshPlane;
using Koi.Core.Errors;

namespace Koi.Certmesh.Roster;

/// <summary>
/// A member's periodic report over the mesh plane: the CA records when it was last seen, its reload hook and its
/// renewal state in the roster, and answers with its clock and the policy the member renews by.
/// </summary>
internal sealed class Heartbeats(CaContext ca)
{
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
            ca.Roster.Update(r => r! with
            {
                Members = [.. r.Members.Select(m => MemberStanding.SameHost(m.Hostname, peer.Hostname)
                    ? m with { LastSeen = now, ReloadHook = hook, RenewalState = state }
                    : m)],
            });
            var policy = roster.Metadata.Policy;
            return new HeartbeatResponse(peer.Hostname, now, new MeshPolicyView((long)policy.Lifetime.TotalSeconds, (long)policy.RenewAfter.TotalSeconds));
        }, cancellationToken);
    }

    /// <summary>True when <paramref name="member"/> has not reported for more than two check intervals.</summary>
    public static bool IsStale(RosterMember member, DateTimeOffset now, TimeSpan interval) =>
        member.Role != MemberRole.Primary && member.Status == MemberStatus.Active
        && (member.LastSeen is not { } seen || now - seen > interval * StaleAfterIntervals);

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
