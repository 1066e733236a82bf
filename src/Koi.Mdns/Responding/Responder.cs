using System.Net;
using Koi.Dns.Protocol;
using Koi.Mdns.Scheduling;
using Koi.Mdns.Transport;
using Koi.Mdns.Wire;
using Microsoft.Extensions.Logging;

namespace Koi.Mdns.Responding;

/// <summary>
/// The responder half of RFC 6762: probes and announces our names (§8), answers queries (§6) and defends or gives up
/// names on conflict (§9). Not thread-safe: everything runs under the engine's lock and sends through the outbox.
/// </summary>
internal sealed class Responder
{
    private readonly ResponderState _state;
    private readonly Announcer _announcer;
    private readonly Answerer _answerer;
    private readonly ConflictResolver _conflicts;

    public Responder(EngineScheduler scheduler, Random random, Outbox outbox, ILogger logger, string hostLabel)
    {
        _state = new ResponderState(hostLabel);
        _announcer = new Announcer(scheduler, random, outbox, _state);
        _answerer = new Answerer(scheduler, random, outbox, _state);
        _conflicts = new ConflictResolver(scheduler, _state, _announcer, logger);
    }

    public LocalHost OwnHost => _state.OwnHost;

    public IReadOnlyCollection<LocalService> Services => _state.Services.Values;

    public void Start(LinkSet links)
    {
        _state.Links = links;
        _announcer.BeginProbing(OwnHost, TimeSpan.Zero);
    }

    /// <summary>
    /// The interfaces or their addresses changed (docs/mdns.md, "Network changes"). Addresses gone from an interface
    /// that is still in use get goodbyes there (RFC 6762 §10.1), since no cache-flush announcement would name them.
    /// With no link left every name waits (<see cref="ProbeState.Waiting"/>). Otherwise, if there was no link before, every name is probed afresh (§8: probing happens when an interface comes up);
    /// otherwise every live name is announced again on the new set (§8.4: changed rdata repeats the announcing step),
    /// which also covers an interface that came up beside others.
    /// </summary>
    public void ChangeLinks(LinkSet links)
    {
        var before = _state.Links;
        _state.Links = links;
        if (links.Links.Count == 0)
        {
            // Nothing can be sent, so nothing is claimed: every name waits and is probed afresh when a link appears.
            foreach (var host in _state.Hosts)
            {
                Announcer.Wait(host);
            }

            foreach (var service in _state.Services.Values)
            {
                Announcer.Wait(service);
            }

            return;
        }

        if (OwnHost.IsLive)
        {
            _announcer.SendAddressGoodbyes(before, links);
        }

        var fresh = before.Links.Count == 0;
        foreach (var host in _state.Hosts)
        {
            _announcer.Renew(host, fresh);
        }

        foreach (var service in _state.Services.Values)
        {
            _announcer.Renew(service, fresh);
        }
    }

    /// <summary>A query arrived. <paramref name="fromSelf"/>: our own packet, looped back; answered, never treated as a rival probe.</summary>
    public void OnQuery(ReceivedPacket packet, DnsMessage message, bool fromSelf)
    {
        // §18.3, §18.11: queries with another opcode or a non-zero rcode are ignored.
        if (message.Header.Opcode != DnsOpcode.Query || message.Header.ResponseCode != DnsResponseCode.NoError ||
            _state.Links.Interface(packet.Link.InterfaceIndex) is not { } nic)
        {
            return;
        }

        if (packet.Source.Port != MdnsWellKnown.Port)
        {
            // §11: a reply goes straight back to the source, so a source that is not on this link (a spoofed or routed
            // query) is ignored rather than answered across networks.
            if (nic.IsOnLink(packet.Source.Address))
            {
                _answerer.AnswerLegacy(packet, message, nic);
            }

            return;
        }

        if (!fromSelf && message.Authorities.Count > 0)
        {
            _conflicts.OnPeerProbe(packet, message);
        }

        _answerer.Answer(packet, message, nic);
    }

    /// <summary>A response from another host: it may conflict with our names or make our pending answers redundant.</summary>
    public void OnPeerResponse(ReceivedPacket packet, DnsMessage message, bool fromOwnMachine)
    {
        _answerer.SuppressAnswered(packet, message);
        _conflicts.CheckConflicts(packet, message.Answers, fromOwnMachine);
        _conflicts.CheckConflicts(packet, message.Additionals, fromOwnMachine);
    }

    /// <summary>Finds or creates the host a registration's SRV points to; own host when none is given.</summary>
    public LocalHost HostFor(string? label, IReadOnlyList<IPAddress>? addresses)
    {
        if (label is null && addresses is null)
        {
            return OwnHost;
        }

        var wanted = label ?? OwnHost.Label;
        foreach (var host in _state.Hosts)
        {
            if (host != OwnHost && !host.IsWithdrawn && host.Label.Equals(wanted, StringComparison.OrdinalIgnoreCase) &&
                SameAddresses(host.FixedAddresses, addresses))
            {
                return host;
            }
        }

        var created = new LocalHost(wanted, addresses);
        _state.Hosts.Add(created);
        _announcer.BeginProbing(created, TimeSpan.Zero);
        return created;
    }

    public void Add(LocalService service)
    {
        _state.Services[service.Id] = service;
        service.Host.Users++;
        _announcer.BeginProbing(service, TimeSpan.Zero);
    }

    public LocalService? Find(string id) => _state.Services.GetValueOrDefault(id);

    /// <summary>Withdraws a service with goodbyes (RFC 6762 §10.1) if it was ever announced.</summary>
    public bool Remove(string id)
    {
        if (!_state.Services.Remove(id, out var service))
        {
            return false;
        }

        _announcer.Withdraw(service);
        service.Established.TrySetCanceled();
        var host = service.Host;
        host.Users--;
        if (host != OwnHost && host.Users == 0)
        {
            _announcer.Withdraw(host);
            _state.Hosts.Remove(host);
        }

        return true;
    }

    /// <summary>Goodbyes for everything, as the engine stops.</summary>
    public void Shutdown()
    {
        foreach (var service in _state.Services.Values)
        {
            _announcer.Withdraw(service);
            service.Established.TrySetCanceled();
        }

        _state.Services.Clear();
        foreach (var host in _state.Hosts)
        {
            _announcer.Withdraw(host);
        }

        _answerer.CancelPending();
    }

    public void Prune(DateTimeOffset now) => _state.Rate.Prune(now);

    private static bool SameAddresses(IReadOnlyList<IPAddress>? a, IReadOnlyList<IPAddress>? b)
    {
        if (a is null || b is null)
        {
            return a is null && b is null;
        }

        if (a.Count != b.Count)
        {
            return false;
        }

        for (var i = 0; i < a.Count; i++)
        {
            if (!a[i].Equals(b[i]))
            {
                return false;
            }
        }

        return true;
    }
}
