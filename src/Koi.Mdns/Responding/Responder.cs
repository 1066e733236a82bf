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
internal sealed partial class Responder
{
    private const int ProbeCount = 3;
    private const int AnnouncementCount = 2;
    private static readonly TimeSpan ProbeInterval = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan AnnouncementInterval = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan LostTiebreakDelay = TimeSpan.FromSeconds(1);
    private static readonly uint LegacyUnicastMaxTtl = 10;

    private readonly EngineScheduler _scheduler;
    private readonly Random _random;
    private readonly Outbox _outbox;
    private readonly ILogger _logger;
    private readonly List<LocalHost> _hosts = [];
    private readonly Dictionary<string, LocalService> _services = new(StringComparer.Ordinal);
    private readonly Dictionary<MdnsLink, PendingResponse> _pending = [];
    private readonly MulticastRateLimiter _rate = new();
    private readonly LocalRecords _records;
    private readonly List<DnsResourceRecord> _ours = [];
    private readonly List<DnsResourceRecord> _theirs = [];
    private LinkSet _links = LinkSet.Empty;

    public Responder(EngineScheduler scheduler, Random random, Outbox outbox, ILogger logger, string hostLabel)
    {
        _scheduler = scheduler;
        _random = random;
        _outbox = outbox;
        _logger = logger;
        _records = new LocalRecords(_hosts, _services);
        OwnHost = new LocalHost(hostLabel, null);
        _hosts.Add(OwnHost);
    }

    public LocalHost OwnHost { get; }

    public IReadOnlyCollection<LocalService> Services => _services.Values;

    public int PendingResponses => _pending.Count;

    public void Start(LinkSet links)
    {
        _links = links;
        BeginProbing(OwnHost, TimeSpan.Zero);
    }

    /// <summary>
    /// The interfaces or their addresses changed (docs/mdns.md, "Network changes"). Addresses gone from an interface
    /// that is still in use get goodbyes there (RFC 6762 §10.1), since no cache-flush announcement would name them.
    /// Then, if there was no link before, every name is probed afresh (§8: probing happens when an interface comes up);
    /// otherwise every live name is announced again on the new set (§8.4: changed rdata repeats the announcing step),
    /// which also covers an interface that came up beside others.
    /// </summary>
    public void ChangeLinks(LinkSet links)
    {
        var before = _links;
        _links = links;
        if (OwnHost.IsLive)
        {
            SendAddressGoodbyes(before, links);
        }

        var fresh = before.Links.Count == 0;
        foreach (var host in _hosts)
        {
            Renew(host, fresh);
        }

        foreach (var service in _services.Values)
        {
            Renew(service, fresh);
        }
    }

    private void Renew(UniqueName name, bool probeAgain)
    {
        if (name.IsWithdrawn || name.State == ProbeState.Probing)
        {
            return; // a name still probing picks up the new links with its next probe
        }

        name.Next?.Cancel();
        if (probeAgain)
        {
            BeginProbing(name, TimeSpan.Zero);
        }
        else
        {
            BeginAnnouncing(name);
        }
    }

    /// <summary>Goodbyes (TTL 0) for own-host addresses that an interface still in use no longer has.</summary>
    private void SendAddressGoodbyes(LinkSet before, LinkSet after)
    {
        foreach (var link in after.Links)
        {
            if (before.Interface(link.InterfaceIndex) is not { } old || after.Interface(link.InterfaceIndex) is not { } now)
            {
                continue;
            }

            var message = Response(link, null);
            foreach (var address in link.IsIPv6 ? old.IPv6 : old.IPv4)
            {
                if (!now.Owns(address))
                {
                    message.Answers.Add(LocalHost.Goodbye(OwnHost.Name, address));
                }
            }

            if (message.Answers.Count > 0)
            {
                _outbox.Add(message);
            }
        }
    }

    /// <summary>Finds or creates the host a registration's SRV points to; own host when none is given.</summary>
    public LocalHost HostFor(string? label, IReadOnlyList<IPAddress>? addresses)
    {
        if (label is null && addresses is null)
        {
            return OwnHost;
        }

        var wanted = label ?? OwnHost.Label;
        foreach (var host in _hosts)
        {
            if (host != OwnHost && !host.IsWithdrawn && host.Label.Equals(wanted, StringComparison.OrdinalIgnoreCase) &&
                SameAddresses(host.FixedAddresses, addresses))
            {
                return host;
            }
        }

        var created = new LocalHost(wanted, addresses);
        _hosts.Add(created);
        BeginProbing(created, TimeSpan.Zero);
        return created;
    }

    public void Add(LocalService service)
    {
        _services[service.Id] = service;
        service.Host.Users++;
        BeginProbing(service, TimeSpan.Zero);
    }

    public LocalService? Find(string id) => _services.GetValueOrDefault(id);

    /// <summary>Withdraws a service with goodbyes (RFC 6762 §10.1) if it was ever announced.</summary>
    public bool Remove(string id)
    {
        if (!_services.Remove(id, out var service))
        {
            return false;
        }

        Withdraw(service);
        service.Established.TrySetCanceled();
        var host = service.Host;
        host.Users--;
        if (host != OwnHost && host.Users == 0)
        {
            Withdraw(host);
            _hosts.Remove(host);
        }

        return true;
    }

    /// <summary>Goodbyes for everything, as the engine stops.</summary>
    public void Shutdown()
    {
        foreach (var service in _services.Values)
        {
            Withdraw(service);
            service.Established.TrySetCanceled();
        }

        _services.Clear();
        foreach (var host in _hosts)
        {
            Withdraw(host);
        }

        foreach (var pending in _pending.Values)
        {
            pending.Work.Cancel();
        }

        _pending.Clear();
    }

    public void Prune(DateTimeOffset now) => _rate.Prune(now);

    private void Withdraw(UniqueName name)
    {
        name.Next?.Cancel();
        var wasLive = name.IsLive;
        name.IsWithdrawn = true;
        if (wasLive)
        {
            SendGoodbyes(name);
        }
    }

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
