using Koi.Dns.Protocol;
using Koi.Mdns.Transport;
using Koi.Mdns.Wire;

namespace Koi.Mdns.Responding;

/// <summary>Probing (RFC 6762 §8.1), the simultaneous-probe tiebreak (§8.2), announcing (§8.3) and goodbyes (§10.1).</summary>
internal sealed partial class Responder
{
    private void BeginProbing(UniqueName name, TimeSpan extraDelay)
    {
        name.Next?.Cancel();
        name.State = ProbeState.Probing;
        name.ProbesSent = 0;
        name.AnnouncementsSent = 0;
        // §8.1: the first probe waits a random 0–250 ms so hosts powered on together do not probe in lockstep.
        var jitter = TimeSpan.FromMilliseconds(_random.Next(0, 251));
        name.Next = _scheduler.After(extraDelay + jitter, () => Probe(name));
    }

    private void Probe(UniqueName name)
    {
        if (name.IsWithdrawn)
        {
            return;
        }

        if (name.ProbesSent == ProbeCount)
        {
            BeginAnnouncing(name);
            return;
        }

        foreach (var link in _links.Links)
        {
            if (_links.Interface(link.InterfaceIndex) is not { } nic)
            {
                continue;
            }

            var probe = new OutgoingMessage(link, null, default);
            // QU: answers come straight back to us, and the Authority section carries what we intend to claim.
            probe.Questions.Add(new DnsQuestion(name.Name, DnsType.ANY, DnsClass.IN, unicastResponse: true));
            _ours.Clear();
            name.AddUniqueRecords(nic, _ours);
            foreach (var record in _ours)
            {
                probe.Authorities.Add(record with { CacheFlush = false });
            }

            _outbox.Add(probe);
        }

        name.ProbesSent++;
        name.Next = _scheduler.After(ProbeInterval, () => Probe(name));
    }

    private void BeginAnnouncing(UniqueName name)
    {
        name.State = ProbeState.Announcing;
        name.AnnouncementsSent = 0;
        if (name is LocalService service)
        {
            service.Established.TrySetResult();
        }

        Announce(name);
    }

    private void Announce(UniqueName name)
    {
        if (name.IsWithdrawn)
        {
            return;
        }

        var now = _scheduler.Now;
        foreach (var link in _links.Links)
        {
            if (_links.Interface(link.InterfaceIndex) is not { } nic)
            {
                continue;
            }

            var message = Response(link, null);
            AddAnnouncedRecords(name, nic, message.Answers);
            if (name is LocalService service && service.Host.IsLive)
            {
                service.Host.AddUniqueRecords(nic, message.Additionals);
            }

            MarkMulticast(link, message, now);
            _outbox.Add(message);
        }

        name.AnnouncementsSent++;
        if (name.AnnouncementsSent < AnnouncementCount)
        {
            name.Next = _scheduler.After(AnnouncementInterval, () => Announce(name));
        }
        else
        {
            name.State = ProbeState.Announced;
            name.Next = null;
        }
    }

    private static void AddAnnouncedRecords(UniqueName name, MdnsInterface nic, List<DnsResourceRecord> records)
    {
        if (name is LocalService service)
        {
            records.Add(service.Pointer);
            name.AddUniqueRecords(nic, records);
            records.Add(service.EnumerationPointer);
        }
        else
        {
            name.AddUniqueRecords(nic, records);
        }
    }

    private void SendGoodbyes(UniqueName name)
    {
        foreach (var link in _links.Links)
        {
            if (_links.Interface(link.InterfaceIndex) is not { } nic)
            {
                continue;
            }

            var message = Response(link, null);
            _ours.Clear();
            AddAnnouncedRecords(name, nic, _ours);
            foreach (var record in _ours)
            {
                if (record.Name.Equals(Naming.MdnsNames.ServiceEnumeration) && name is LocalService gone && OtherServiceOfType(gone))
                {
                    continue; // the type is still announced by another of our services
                }

                // Without cache-flush: a goodbye must not make receivers drop anything else.
                message.Answers.Add(record with { Ttl = 0, CacheFlush = false });
            }

            _outbox.Add(message);
        }
    }

    private bool OtherServiceOfType(LocalService gone)
    {
        foreach (var service in _services.Values)
        {
            if (service != gone && service.IsLive && service.ServiceType.Equals(gone.ServiceType))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// §8.2: another host probes for a name we are probing too. The lexicographically later record set wins; the loser
    /// waits a second and probes again (and, if the winner then announces, sees the conflict and renames).
    /// </summary>
    private void OnPeerProbe(ReceivedPacket packet, DnsMessage message)
    {
        if (_links.Interface(packet.Link.InterfaceIndex) is not { } nic)
        {
            return;
        }

        foreach (var question in message.Questions)
        {
            if (_records.FindOwner(question.Name) is not { State: ProbeState.Probing } owner)
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
                LogLostTiebreak(_logger, owner.Name, packet.Source);
                BeginProbing(owner, LostTiebreakDelay);
            }
        }
    }

    /// <summary>
    /// A response from another host names one of our unique names. Identical data is agreement, not conflict (two
    /// hosts may legitimately announce the same record). While probing, any other record of the name is a conflict
    /// (§8.1); once announced, a record of the same type with other data is (§9), and we probe again.
    /// </summary>
    private void CheckConflicts(ReceivedPacket packet, IReadOnlyList<DnsResourceRecord> records, bool fromOwnMachine)
    {
        foreach (var record in records)
        {
            if (record.Ttl == 0 || _records.FindOwner(record.Name) is not { } owner)
            {
                continue;
            }

            // Our host name announced from this very machine (e.g. avahi beside us) names this machine: not a rival.
            if (owner == OwnHost && fromOwnMachine)
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
        foreach (var nic in _links.Interfaces)
        {
            owner.AddUniqueRecords(nic, _ours);
        }

        if (_links.Interfaces.Count == 0 && owner is LocalService)
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
        var wait = owner.NoteConflict(_scheduler.Now);
        if (owner.State != ProbeState.Probing)
        {
            LogReprobing(_logger, owner.Name, packet.Source);
            BeginProbing(owner, wait);
            return;
        }

        var oldName = owner.Name.ToString();
        owner.Rename();
        LogRenamed(_logger, oldName, owner.Name, packet.Source);
        BeginProbing(owner, wait);
        if (owner is LocalHost host)
        {
            // Every SRV pointing at the old host name changed; announce the services again with the new target.
            foreach (var service in _services.Values)
            {
                if (service.Host == host && service.IsLive)
                {
                    service.Next?.Cancel();
                    BeginAnnouncing(service);
                }
            }
        }
    }
}
