using Koi.Certmesh.Roster;
using Koi.Core.Naming;

namespace Koi.Certmesh.Naming;

/// <summary>
/// The CA's answer to "put the names of my services on my certificate" (docs/certmesh.md "Service names"). For a label
/// <c>grafana</c> asked by <c>stone-05</c> in zone <c>lan</c> it decides two names: <c>grafana.lan</c>, which every
/// machine serving the same label may carry (round robin), and <c>grafana-stone-05.lan</c>, which names this instance
/// only. A name is refused when another active member holds it as its own host name, or holds it in any way other
/// than as a granted service name (so a round-robin name never takes over a machine's name, and a per-instance name
/// stays one machine's). No <c>.local</c> names: nothing on the link proves who owns a <c>.local</c> name, and koi
/// announces services under the host's own <c>.local</c> name.
/// </summary>
internal static class ServiceNames
{
    /// <summary>More labels than this are refused as a whole, so one member cannot grow a certificate without bound.</summary>
    public const int MaxLabels = 32;

    public static List<NameDecision> Decide(RosterDocument roster, string hostname, IReadOnlyList<string> labels, string zone)
    {
        var decisions = new List<NameDecision>();
        var self = hostname.ToLowerInvariant();
        var others = roster.Members.Where(m => m.Status == MemberStatus.Active && !string.Equals(m.Hostname, hostname, StringComparison.OrdinalIgnoreCase)).ToList();
        foreach (var raw in labels.Take(MaxLabels))
        {
            var label = raw.Trim().ToLowerInvariant();
            if (!IsLabel(label))
            {
                // The label is shown back to people: anything outside letters, digits and '-' is masked.
                var shown = string.Concat(label.Take(63).Select(c => char.IsAsciiLetterOrDigit(c) || c == '-' ? c : '?'));
                decisions.Add(new NameDecision($"{shown}.{zone}", false, "not a DNS label (letters, digits and '-', at most 63)"));
                continue;
            }

            var shared = $"{label}.{zone}";
            if (decisions.Exists(d => d.Name == shared))
            {
                continue;
            }

            decisions.Add(Holder(others, shared, label, roundRobin: true) is { } holder
                ? new NameDecision(shared, false, $"held by {holder}")
                : new NameDecision(shared, true));

            var instanceLabel = $"{label}-{self}";
            var instance = $"{instanceLabel}.{zone}";
            decisions.Add(!IsLabel(instanceLabel) ? new NameDecision(instance, false, "longer than a DNS label may be")
                : Holder(others, instance, instanceLabel, roundRobin: false) is { } owner ? new NameDecision(instance, false, $"held by {owner}")
                : new NameDecision(instance, true));
        }

        foreach (var raw in labels.Skip(MaxLabels))
        {
            var shown = string.Concat(raw.Trim().ToLowerInvariant().Take(63).Select(c => char.IsAsciiLetterOrDigit(c) || c == '-' ? c : '?'));
            decisions.Add(new NameDecision($"{shown}.{zone}", false, $"more than {MaxLabels} service names asked"));
        }

        return decisions;
    }

    /// <summary>The names of <paramref name="decisions"/> that go on the certificate.</summary>
    public static IEnumerable<string> Granted(IEnumerable<NameDecision>? decisions) =>
        decisions?.Where(d => d.Granted).Select(d => d.Name) ?? [];

    /// <summary>
    /// The member that keeps <paramref name="name"/> from being granted: one whose host name is <paramref name="label"/>,
    /// or one that carries the name other than as a round-robin service name (when <paramref name="roundRobin"/>).
    /// </summary>
    private static string? Holder(List<RosterMember> others, string name, string label, bool roundRobin)
    {
        foreach (var other in others)
        {
            if (string.Equals(other.Hostname, label, StringComparison.OrdinalIgnoreCase))
            {
                return other.Hostname;
            }

            var carries = other.CertSans.Contains(name, StringComparer.OrdinalIgnoreCase);
            var asService = other.ServiceNames?.Exists(d => d.Granted && string.Equals(d.Name, name, StringComparison.OrdinalIgnoreCase)) == true;
            if (carries && !(roundRobin && asService))
            {
                return other.Hostname;
            }
        }

        return null;
    }

    private static bool IsLabel(string label) =>
        label.Length is > 0 and <= 63 && label[0] != '-' && label[^1] != '-' && label.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-');
}
