using Koi.Dns.Protocol;
using Koi.Mdns.Scheduling;
using Koi.Mdns.Transport;
using Microsoft.Extensions.Logging;

namespace Koi.Mdns.Responding;

/// <summary>
/// Other hosts claiming our names: the simultaneous-probe tiebreak (RFC 6762 §8.2) and conflicts seen in responses,
/// settled by renaming or probing again (§9).
/// </summary>
internal sealed partial class ConflictResolver(EngineScheduler scheduler, ResponderState state, Announcer announcer, ILogger logger)
{
    private static readonly TimeSpan LostTiebreakDelay = TimeSpan.FromSeconds(1);

    private readonly List<DnsResourceRecord> _ours = [];
    private readonly List<DnsResourceRecord> _theirs = [];

    /// <summary>
    /// §8.2: another host probes for a name we are probing too. The lexicographically later record set wins; the loser
    /// waits a second and probes again (and, if the winner then announces, sees the conflict and renames).
    /// </summary>
    public void OnPeerProbe(ReceivedPacket packet, DnsMessage message)
    {
        if (state.Links.Interface(packet.Link.InterfaceIndex) is not { } nic)
        {
            return;
        }

        foreach (var question in message.Questions)
        {
            if (state.Records.FindOwner(question.Name) is not { State: ProbeState.Probing } owner)
            {
                continue;
            }

            _theirs.Clear();
            foreach (var record in message.Authorities)
            {
                if (record.Name.Equals(owner.Name))
                {
                    _theirs.Add(record);
                }
            }

            if (_theirs.Count == 0)
            {
                continue;
            }

            _ours.Clear();
            owner.AddUniqueRecords(nic, _ours);
            if (ProbeTiebreak.Compare(_ours, _theirs) < 0)
            {
                LogLostTiebreak(logger, owner.Name, packet.Source);
                announcer.BeginProbing(owner, LostTiebreakDelay);
            }
        }
    }

    /// <summary>
    /// A response from another host names one of our unique names. Identical data is agreement, not conflict (two
    /// hosts may legitimately announce the same record). While probing, any other record of the name is a conflict
    /// (§8.1); once announced, a record of the same type with other data is (§9), and we probe again.
    /// </summary>
    public void CheckConflicts(ReceivedPacket packet, IReadOnlyList<DnsResourceRecord> records, bool fromOwnMachine)
    {
        foreach (var record in records)
        {
            if (record.Ttl == 0 || state.Records.FindOwner(record.Name) is not { } owner)
            {
                continue;
            }

            // Our host name announced from this very machine (e.g. avahi beside us) names this machine: not a rival.
            if (owner == state.OwnHost && fromOwnMachine)
            {
                continue;
            }

            CollectAllInterfaces(owner);
            var sameType = false;
            var identical = false;
            foreach (var ours in _ours)
            {
                if (ours.Type == record.Type && ours.Class == record.Class)
                {
                    sameType = true;
                    identical |= ours.Data.Equals(record.Data);
                }
            }

            if (identical || (!sameType && owner.State != ProbeState.Probing) || (!sameType && IsHarmlessType(record.Type)))
            {
                continue;
            }

            OnConflict(owner, packet);
            return;
        }
    }

    // NSEC says which types a name lacks; a peer's NSEC for a name differs from ours without claiming anything.
    private static bool IsHarmlessType(DnsType type) => type == DnsType.NSEC;

    private void CollectAllInterfaces(UniqueName owner)
    {
        _ours.Clear();
        foreach (var nic in state.Links.Interfaces)
        {
            owner.AddUniqueRecords(nic, _ours);
        }

        if (state.Links.Interfaces.Count == 0 && owner is LocalService)
        {
            owner.AddUniqueRecords(new MdnsInterface(0, string.Empty, [], []), _ours);
        }
    }

    /// <summary>
    /// While probing, a conflict means the name is taken: rename and probe the new one. Once announced, §9 says to probe
    /// again instead; two hosts that both announced a name (e.g. after a network merge) then settle it by the §8.2
    /// tiebreak rather than both renaming in lockstep forever.
    /// </summary>
    private void OnConflict(UniqueName owner, ReceivedPacket packet)
    {
        var wait = owner.NoteConflict(scheduler.Now);
        if (owner.State != ProbeState.Probing)
        {
            LogReprobing(logger, owner.Name, packet.Source);
            announcer.BeginProbing(owner, wait);
            return;
        }

        var oldName = owner.Name.ToString();
        owner.Rename();
        LogRenamed(logger, oldName, owner.Name, packet.Source);
        announcer.BeginProbing(owner, wait);
        if (owner is LocalHost host)
        {
            // Every SRV pointing at the old host name changed; announce the services again with the new target.
            foreach (var service in state.Services.Values)
            {
                if (service.Host == host && service.IsLive)
                {
                    service.Next?.Cancel();
                    announcer.BeginAnnouncing(service);
                }
            }
        }
    }
}
