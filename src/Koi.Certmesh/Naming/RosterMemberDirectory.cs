using System.Net;
using Koi.Certmesh.Roster;
using Koi.Core.Naming;

namespace Koi.Certmesh.Naming;

/// <summary>The roster as DNS reads it: each member's DNS SANs, its IP SANs as addresses, active until revoked or expired.</summary>
internal sealed class RosterMemberDirectory : IMemberDirectory
{
    private readonly RosterStore _roster;
    private readonly TimeProvider _time;

    public RosterMemberDirectory(RosterStore roster, TimeProvider time)
    {
        _roster = roster;
        _time = time;
        _roster.Changed += (_, _) => Changed?.Invoke(this, EventArgs.Empty);
    }

    public event EventHandler? Changed;

    public string? ScopeDomain => _roster.Current?.Metadata.DomainScope;

    public IReadOnlyList<MeshMember> Members()
    {
        if (_roster.Current is not { } roster)
        {
            return [];
        }

        var now = _time.GetUtcNow();
        var list = new List<MeshMember>(roster.Members.Count);
        foreach (var member in roster.Members)
        {
            var names = new List<string>();
            var addresses = new List<IPAddress>();
            foreach (var san in member.CertSans)
            {
                if (IPAddress.TryParse(san, out var address))
                {
                    addresses.Add(address);
                }
                else if (san.Contains('.', StringComparison.Ordinal))
                {
                    names.Add(san);
                }
            }

            list.Add(new MeshMember(member.Hostname, names, addresses, member.Status == MemberStatus.Active && member.CertExpires > now));
        }

        return list;
    }
}
