using Koi.Core.Discovery;
using Koi.Dns.Protocol;
using Koi.Dns.Protocol.Records;
using Koi.Mdns.Caching;
using Koi.Mdns.Naming;

namespace Koi.Mdns.Discovery;

/// <summary>
/// Turns cache changes into discovered services and browse events (found, resolved, removed), and decides which
/// questions the querier should keep asking for them. Not thread-safe: engine lock.
/// </summary>
internal sealed partial class ServiceTracker(RecordCache cache, MdnsOptions options)
{
    /// <summary>Services that left are kept this many at most, whatever the retention time says.</summary>
    public const int MaxStale = 1024;

    private const int MaxBrowsedTypes = 256;

    /// <summary>An SRV whose TXT does not follow within this time resolves without it (some responders send none).</summary>
    private static readonly TimeSpan TxtWait = TimeSpan.FromSeconds(1);

    private readonly Dictionary<DnsName, TrackedService> _services = [];
    private readonly Dictionary<DnsName, HashSet<DnsName>> _byHost = [];
    private readonly List<BrowseSubscription> _subscriptions = [];
    private readonly Dictionary<DnsName, int> _resolveInterest = [];
    private readonly Dictionary<DnsName, List<TaskCompletionSource<DiscoveredService>>> _resolveWaiters = [];
    private readonly HashSet<DnsName> _dirty = [];
    private readonly HashSet<DnsName> _touched = [];
    private readonly List<DnsName> _scratch = [];

    /// <summary>Set when what the querier should ask may have changed.</summary>
    public bool InterestChanged { get; set; } = true;

    public int Count => _services.Count;

    public int Subscriptions => _subscriptions.Count;

    /// <summary>Notes a cache change; <paramref name="received"/> is false for expiry, eviction and goodbye.</summary>
    public void OnRecord(DnsResourceRecord record, bool received)
    {
        var owner = record.Name;
        switch (record.Data)
        {
            case PtrRecordData when owner.Equals(MdnsNames.ServiceEnumeration):
                InterestChanged = true;
                break;
            case PtrRecordData ptr when MdnsNames.IsInstanceOf(ptr.DomainName, owner) && MdnsNames.IsServiceType(owner):
                Mark(ptr.DomainName, received);
                break;
            case SrvRecordData or TxtRecordData when owner.LabelCount == 4 && MdnsNames.IsServiceType(owner.Parent):
                Mark(owner, received);
                break;
            case ARecordData or AaaaRecordData when _byHost.TryGetValue(owner, out var instances):
                foreach (var instance in instances)
                {
                    _dirty.Add(instance);
                }

                break;
        }
    }

    /// <summary>Brings every service touched since the last call up to date and tells subscribers.</summary>
    public void Process(DateTimeOffset now)
    {
        if (_dirty.Count == 0)
        {
            return;
        }

        _scratch.Clear();
        _scratch.AddRange(_dirty);
        _dirty.Clear();
        foreach (var instance in _scratch)
        {
            Recompute(instance, now);
        }

        _touched.Clear();
    }

    /// <summary>Once a second: resolve services whose TXT never came, forget long-gone services.</summary>
    public void Tick(DateTimeOffset now)
    {
        _scratch.Clear();
        foreach (var service in _services.Values)
        {
            if (service.IsStale && now - service.StaleSince > options.StaleRetention)
            {
                _scratch.Add(service.FullName);
            }
            else if (!service.IsStale && service.HasSrv && !service.HasTxt && service.LastResolved is null &&
                     now - service.SrvSince >= TxtWait)
            {
                _dirty.Add(service.FullName);
            }
        }

        foreach (var gone in _scratch)
        {
            Forget(gone);
        }

        Process(now);
    }

    public IReadOnlyList<DiscoveredService> Snapshot(DnsName? type)
    {
        var list = new List<DiscoveredService>();
        foreach (var service in _services.Values)
        {
            if (service.HasPointer && (type is null || service.Type.Equals(type)))
            {
                list.Add(service.ToPublic());
            }
        }

        list.Sort((a, b) => string.CompareOrdinal(a.FullName, b.FullName));
        return list;
    }

    public DiscoveredService? Find(DnsName instance) =>
        _services.TryGetValue(instance, out var service) ? service.ToPublic() : null;

    public BrowseSubscription Subscribe(DnsName? type)
    {
        var subscription = new BrowseSubscription(type);
        _subscriptions.Add(subscription);
        InterestChanged = true;
        // What the cache already knows comes first (RFC 6762 §5.2: answer from the cache, then ask the network).
        foreach (var service in _services.Values)
        {
            if (service.HasPointer && !service.IsStale && subscription.Wants(service.Type))
            {
                subscription.Events.Writer.TryWrite(new ServiceChange(ServiceChangeKind.Found, service.ToPublic()));
                if (service.LastResolved is { } resolved)
                {
                    subscription.Events.Writer.TryWrite(new ServiceChange(ServiceChangeKind.Resolved, resolved));
                }
            }
        }

        return subscription;
    }

    public void Unsubscribe(BrowseSubscription subscription)
    {
        if (_subscriptions.Remove(subscription))
        {
            subscription.Events.Writer.TryComplete();
            InterestChanged = true;
        }
    }

    public void CompleteAll()
    {
        foreach (var subscription in _subscriptions)
        {
            subscription.Events.Writer.TryComplete();
        }

        _subscriptions.Clear();
        foreach (var waiters in _resolveWaiters.Values)
        {
            foreach (var waiter in waiters)
            {
                waiter.TrySetCanceled();
            }
        }

        _resolveWaiters.Clear();
    }

    /// <summary>Resolves <paramref name="instance"/> by name; the task completes once host, port and an address are known.</summary>
    public TaskCompletionSource<DiscoveredService> AddResolve(DnsName instance, DateTimeOffset now)
    {
        var waiter = new TaskCompletionSource<DiscoveredService>(TaskCreationOptions.RunContinuationsAsynchronously);
        if (_services.TryGetValue(instance, out var known) && !known.IsStale && known.LastResolved is { } resolved)
        {
            waiter.SetResult(resolved);
            return waiter;
        }

        _resolveInterest[instance] = _resolveInterest.GetValueOrDefault(instance) + 1;
        if (!_resolveWaiters.TryGetValue(instance, out var list))
        {
            list = [];
            _resolveWaiters[instance] = list;
        }

        list.Add(waiter);
        InterestChanged = true;
        _dirty.Add(instance);
        Process(now);
        return waiter;
    }

    public void RemoveResolve(DnsName instance, TaskCompletionSource<DiscoveredService> waiter)
    {
        if (_resolveWaiters.TryGetValue(instance, out var list) && list.Remove(waiter))
        {
            if (list.Count == 0)
            {
                _resolveWaiters.Remove(instance);
            }

            var left = _resolveInterest.GetValueOrDefault(instance) - 1;
            if (left <= 0)
            {
                _resolveInterest.Remove(instance);
            }
            else
            {
                _resolveInterest[instance] = left;
            }

            InterestChanged = true;
        }
    }

    private void Mark(DnsName instance, bool received)
    {
        _dirty.Add(instance);
        if (received)
        {
            _touched.Add(instance);
        }
    }
}
