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
internal sealed class ServiceTracker
{
    private readonly MdnsOptions _options;
    private readonly TrackerState _state = new();
    private readonly ServiceRecomputer _recomputer;
    private readonly QuestionPlanner _planner;
    private readonly HashSet<DnsName> _dirty = [];
    private readonly List<DnsName> _scratch = [];

    public ServiceTracker(RecordCache cache, MdnsOptions options)
    {
        _options = options;
        _recomputer = new ServiceRecomputer(cache, _state);
        _planner = new QuestionPlanner(cache, options, _state);
    }

    /// <summary>Set when what the querier should ask may have changed.</summary>
    public bool InterestChanged
    {
        get => _state.InterestChanged;
        set => _state.InterestChanged = value;
    }

    public int Count => _state.Services.Count;

    public int Subscriptions => _state.Subscriptions.Count;

    /// <summary>Notes a cache change; <paramref name="received"/> is false for expiry, eviction and goodbye.</summary>
    public void OnRecord(DnsResourceRecord record, bool received)
    {
        var owner = record.Name;
        switch (record.Data)
        {
            case PtrRecordData when owner.Equals(MdnsNames.ServiceEnumeration):
                _state.InterestChanged = true;
                break;
            case PtrRecordData ptr when MdnsNames.IsInstanceOf(ptr.DomainName, owner) && MdnsNames.IsServiceType(owner):
                Mark(ptr.DomainName, received);
                break;
            case SrvRecordData or TxtRecordData when owner.LabelCount == 4 && MdnsNames.IsServiceType(owner.Parent):
                Mark(owner, received);
                break;
            case ARecordData or AaaaRecordData when _state.ByHost.TryGetValue(owner, out var instances):
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
            _recomputer.Recompute(instance, now);
        }

        _state.Touched.Clear();
    }

    /// <summary>Once a second: resolve services whose TXT never came, forget long-gone services.</summary>
    public void Tick(DateTimeOffset now)
    {
        _scratch.Clear();
        foreach (var service in _state.Services.Values)
        {
            if (service.IsStale && now - service.StaleSince > _options.StaleRetention)
            {
                _scratch.Add(service.FullName);
            }
            else if (!service.IsStale && service.HasSrv && !service.HasTxt && service.LastResolved is null &&
                     now - service.SrvSince >= ServiceRecomputer.TxtWait)
            {
                _dirty.Add(service.FullName);
            }
        }

        foreach (var gone in _scratch)
        {
            _recomputer.Forget(gone);
        }

        Process(now);
    }

    public IReadOnlyList<DiscoveredService> Snapshot(DnsName? type)
    {
        var list = new List<DiscoveredService>(type is null ? _state.Services.Count : 0);
        foreach (var service in _state.Services.Values)
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
        _state.Services.TryGetValue(instance, out var service) ? service.ToPublic() : null;

    public BrowseSubscription Subscribe(DnsName? type)
    {
        var subscription = new BrowseSubscription(type);
        _state.Subscriptions.Add(subscription);
        InterestChanged = true;
        // What the cache already knows comes first (RFC 6762 §5.2: answer from the cache, then ask the network).
        foreach (var service in _state.Services.Values)
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

    /// <summary>Fills <paramref name="desired"/> with what the querier should keep asking, and remembers what to refresh.</summary>
    public void Desired(HashSet<NameTypeKey> desired) => _planner.Desired(desired);

    /// <summary>True when a cached record answers something a browse or resolve still needs (RFC 6762 §5.2 refresh).</summary>
    public bool IsInteresting(DnsName owner) => _planner.IsInteresting(owner);

    public void Unsubscribe(BrowseSubscription subscription)
    {
        if (_state.Subscriptions.Remove(subscription))
        {
            subscription.Events.Writer.TryComplete();
            InterestChanged = true;
        }
    }

    public void CompleteAll()
    {
        foreach (var subscription in _state.Subscriptions)
        {
            subscription.Events.Writer.TryComplete();
        }

        _state.Subscriptions.Clear();
        foreach (var waiters in _state.ResolveWaiters.Values)
        {
            foreach (var waiter in waiters)
            {
                waiter.TrySetCanceled();
            }
        }

        _state.ResolveWaiters.Clear();
    }

    /// <summary>Resolves <paramref name="instance"/> by name; the task completes once host, port and an address are known.</summary>
    public TaskCompletionSource<DiscoveredService> AddResolve(DnsName instance, DateTimeOffset now)
    {
        var waiter = new TaskCompletionSource<DiscoveredService>(TaskCreationOptions.RunContinuationsAsynchronously);
        if (_state.Services.TryGetValue(instance, out var known) && !known.IsStale && known.LastResolved is { } resolved)
        {
            waiter.SetResult(resolved);
            return waiter;
        }

        _state.ResolveInterest[instance] = _state.ResolveInterest.GetValueOrDefault(instance) + 1;
        if (!_state.ResolveWaiters.TryGetValue(instance, out var list))
        {
            list = [];
            _state.ResolveWaiters[instance] = list;
        }

        list.Add(waiter);
        InterestChanged = true;
        _dirty.Add(instance);
        Process(now);
        return waiter;
    }

    public void RemoveResolve(DnsName instance, TaskCompletionSource<DiscoveredService> waiter)
    {
        if (_state.ResolveWaiters.TryGetValue(instance, out var list) && list.Remove(waiter))
        {
            if (list.Count == 0)
            {
                _state.ResolveWaiters.Remove(instance);
            }

            var left = _state.ResolveInterest.GetValueOrDefault(instance) - 1;
            if (left <= 0)
            {
                _state.ResolveInterest.Remove(instance);
            }
            else
            {
                _state.ResolveInterest[instance] = left;
            }

            InterestChanged = true;
        }
    }

    private void Mark(DnsName instance, bool received)
    {
        _dirty.Add(instance);
        if (received)
        {
            _state.Touched.Add(instance);
        }
    }
}
