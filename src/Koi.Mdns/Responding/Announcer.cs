using Koi.Dns.Protocol;
using Koi.Mdns.Scheduling;
using Koi.Mdns.Transport;
using Koi.Mdns.Wire;

namespace Koi.Mdns.Responding;

/// <summary>Claims our unique names on the links in use: probing (RFC 6762 §8.1), announcing (§8.3) and goodbyes (§10.1).</summary>
internal sealed class Announcer(EngineScheduler scheduler, Random random, Outbox outbox, ResponderState state)
{
    private const int ProbeCount = 3;
    private const int AnnouncementCount = 2;
    private static readonly TimeSpan ProbeInterval = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan AnnouncementInterval = TimeSpan.FromSeconds(1);

    private readonly List<DnsResourceRecord> _ours = [];

    public void BeginProbing(UniqueName name, TimeSpan extraDelay)
    {
        name.Next?.Cancel();
        name.State = ProbeState.Probing;
        name.ProbesSent = 0;
        name.AnnouncementsSent = 0;
        // §8.1: the first probe waits a random 0–250 ms so hosts powered on together do not probe in lockstep.
        var jitter = TimeSpan.FromMilliseconds(random.Next(0, 251));
        name.Next = scheduler.After(extraDelay + jitter, () => Probe(name));
    }

    private void Probe(UniqueName name)
    {
        if (name.IsWithdrawn)
        {
            return;
        }

        if (state.Links.Links.Count == 0)
        {
            Wait(name);
            return;
        }

        if (name.ProbesSent == ProbeCount)
        {
            BeginAnnouncing(name);
            return;
        }

        foreach (var link in state.Links.Links)
        {
            if (state.Links.Interface(link.InterfaceIndex) is not { } nic)
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

            outbox.Add(probe);
        }

        name.ProbesSent++;
        name.Next = scheduler.After(ProbeInterval, () => Probe(name));
    }

    public void BeginAnnouncing(UniqueName name)
    {
        if (state.Links.Links.Count == 0)
        {
            Wait(name);
            return;
        }

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

        if (state.Links.Links.Count == 0)
        {
            Wait(name);
            return;
        }

        var now = scheduler.Now;
        foreach (var link in state.Links.Links)
        {
            if (state.Links.Interface(link.InterfaceIndex) is not { } nic)
            {
                continue;
            }

            var message = OutgoingMessage.Response(link, null);
            AddAnnouncedRecords(name, nic, message.Answers);
            if (name is LocalService service && service.Host.IsLive)
            {
                service.Host.AddUniqueRecords(nic, message.Additionals);
            }

            state.Rate.Sent(link, message, now);
            outbox.Add(message);
        }

        name.AnnouncementsSent++;
        if (name.AnnouncementsSent < AnnouncementCount)
        {
            name.Next = scheduler.After(AnnouncementInterval, () => Announce(name));
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
        foreach (var link in state.Links.Links)
        {
            if (state.Links.Interface(link.InterfaceIndex) is not { } nic)
            {
                continue;
            }

            var message = OutgoingMessage.Response(link, null);
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

            outbox.Add(message);
        }
    }

    private bool OtherServiceOfType(LocalService gone)
    {
        foreach (var service in state.Services.Values)
        {
            if (service != gone && service.IsLive && service.ServiceType.Equals(gone.ServiceType))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// No link is open: the name waits, claiming nothing, until <see cref="Renew"/> probes it on the links that appear.
    /// A registration waiting for its first probing is told it may return, in <see cref="ProbeState.Waiting"/>.
    /// </summary>
    public static void Wait(UniqueName name)
    {
        if (name.IsWithdrawn)
        {
            return;
        }

        name.Next?.Cancel();
        name.Next = null;
        name.ProbesSent = 0;
        name.AnnouncementsSent = 0;
        name.State = ProbeState.Waiting;
        if (name is LocalService service)
        {
            service.Established.TrySetResult();
        }
    }

    /// <summary>Probes or announces a name again on a changed set of links, unless it is withdrawn or still probing.</summary>
    public void Renew(UniqueName name, bool probeAgain)
    {
        if (name.IsWithdrawn || name.State == ProbeState.Probing)
        {
            return; // a name still probing picks up the new links with its next probe
        }

        name.Next?.Cancel();
        if (probeAgain || name.State == ProbeState.Waiting)
        {
            BeginProbing(name, TimeSpan.Zero);
        }
        else
        {
            BeginAnnouncing(name);
        }
    }

    /// <summary>Stops claiming a name, with goodbyes (RFC 6762 §10.1) if it was ever announced.</summary>
    public void Withdraw(UniqueName name)
    {
        name.Next?.Cancel();
        var wasLive = name.IsLive;
        name.IsWithdrawn = true;
        if (wasLive)
        {
            SendGoodbyes(name);
        }
    }

    /// <summary>Goodbyes (TTL 0) for own-host addresses that an interface still in use no longer has.</summary>
    public void SendAddressGoodbyes(LinkSet before, LinkSet after)
    {
        foreach (var link in after.Links)
        {
            if (before.Interface(link.InterfaceIndex) is not { } old || after.Interface(link.InterfaceIndex) is not { } now)
            {
                continue;
            }

            var message = OutgoingMessage.Response(link, null);
            foreach (var address in link.IsIPv6 ? old.IPv6 : old.IPv4)
            {
                if (!now.Owns(address))
                {
                    message.Answers.Add(LocalHost.Goodbye(state.OwnHost.Name, address));
                }
            }

            if (message.Answers.Count > 0)
            {
                outbox.Add(message);
            }
        }
    }
}
