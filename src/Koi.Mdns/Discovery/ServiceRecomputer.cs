using System.Net;
using Koi.Core.Discovery;
using Koi.Dns.Protocol;
using Koi.Dns.Protocol.Records;
using Koi.Mdns.Caching;
using Koi.Mdns.Naming;

namespace Koi.Mdns.Discovery;

/// <summary>Rebuilds one service from the cache and tells subscribers and resolve waiters what changed.</summary>
internal sealed class ServiceRecomputer(RecordCache cache, TrackerState state)
{
    /// <summary>Services that left are kept this many at most, whatever the retention time says.</summary>
    public const int MaxStale = 1024;

    /// <summary>An SRV whose TXT does not follow within this time resolves without it (some responders send none).</summary>
    public static readonly TimeSpan TxtWait = TimeSpan.FromSeconds(1);

    public void Recompute(DnsName instance, DateTimeOffset now)
    {
        var hasPointer = HasPointer(instance);
        var wanted = state.ResolveInterest.ContainsKey(instance);
        state.Services.TryGetValue(instance, out var service);
        if (!hasPointer && !wanted)
        {
            if (service is { IsStale: false })
            {
                if (service.HasPointer)
                {
                    service.IsStale = true;
                    service.StaleSince = now;
                    Emit(ServiceChangeKind.Removed, service, service.ToPublic());
                    service.FoundAnnounced = false;
                    service.LastResolved = null;
                    state.InterestChanged = true;
                    TrimStale();
                }
                else
                {
                    Forget(instance);
                }
            }

            return;
        }

        if (service is null)
        {
            service = new TrackedService(instance, now);
            state.Services[instance] = service;
            state.InterestChanged = true;
        }

        if (state.Touched.Contains(instance))
        {
            service.LastSeen = now;
        }

        if (service.IsStale && hasPointer)
        {
            service.IsStale = false;
            service.FirstSeen = now;
            state.InterestChanged = true;
        }

        service.HasPointer = hasPointer;
        var before = (service.HasSrv, service.HasTxt, service.Addresses.Count > 0, service.Host);
        ReadRecords(service, now);
        if (before != (service.HasSrv, service.HasTxt, service.Addresses.Count > 0, service.Host))
        {
            state.InterestChanged = true;
        }

        if (hasPointer && !service.FoundAnnounced)
        {
            service.FoundAnnounced = true;
            Emit(ServiceChangeKind.Found, service, service.ToPublic());
        }

        var complete = service.IsResolved && (service.HasTxt || now - service.SrvSince >= TxtWait);
        if (!complete)
        {
            return;
        }

        var snapshot = service.ToPublic();
        if (service.LastResolved is null || !TrackedService.SameResolution(service.LastResolved, snapshot))
        {
            service.LastResolved = snapshot;
            if (hasPointer)
            {
                Emit(ServiceChangeKind.Resolved, service, snapshot);
            }
        }

        if (state.ResolveWaiters.Remove(instance, out var waiters))
        {
            foreach (var waiter in waiters)
            {
                waiter.TrySetResult(snapshot);
            }
        }
    }

    private bool HasPointer(DnsName instance)
    {
        foreach (var cached in cache.Find(instance.Parent, DnsType.PTR))
        {
            if (!cached.IsGoodbye && cached.Record.Data is PtrRecordData ptr && ptr.DomainName.Equals(instance))
            {
                return true;
            }
        }

        return false;
    }

    private void ReadRecords(TrackedService service, DateTimeOffset now)
    {
        var srv = FirstLive(service.FullName, DnsType.SRV)?.Data as SrvRecordData;
        var oldHost = service.Host;
        if (srv is not null && !service.HasSrv)
        {
            service.SrvSince = now;
        }

        service.HasSrv = srv is not null;
        service.Host = srv?.Target;
        service.Port = srv?.Port ?? 0;
        if (oldHost is not null && !oldHost.Equals(service.Host))
        {
            Unindex(oldHost, service.FullName);
        }

        if (service.Host is { } host)
        {
            if (!state.ByHost.TryGetValue(host, out var instances))
            {
                instances = [];
                state.ByHost[host] = instances;
            }

            instances.Add(service.FullName);
        }

        var txt = FirstLive(service.FullName, DnsType.TXT)?.Data as TxtRecordData;
        service.HasTxt = txt is not null;
        service.SetTxt(txt);
        service.Addresses.Clear();
        if (service.Host is { } target)
        {
            AddAddresses(target, DnsType.A, service.Addresses);
            AddAddresses(target, DnsType.AAAA, service.Addresses);
        }
    }

    private DnsResourceRecord? FirstLive(DnsName name, DnsType type)
    {
        DnsResourceRecord? newest = null;
        var newestAt = DateTimeOffset.MinValue;
        foreach (var cached in cache.Find(name, type))
        {
            if (!cached.IsGoodbye && cached.ReceivedAt > newestAt)
            {
                newest = cached.Record;
                newestAt = cached.ReceivedAt;
            }
        }

        return newest;
    }

    private void AddAddresses(DnsName host, DnsType type, List<IPAddress> addresses)
    {
        foreach (var cached in cache.Find(host, type))
        {
            if (cached.IsGoodbye)
            {
                continue;
            }

            var address = cached.Record.Data switch
            {
                ARecordData a => a.Address,
                AaaaRecordData aaaa => aaaa.Address,
                _ => null,
            };
            if (address is not null && !addresses.Contains(address))
            {
                addresses.Add(address);
            }
        }
    }

    private void Emit(ServiceChangeKind kind, TrackedService service, DiscoveredService snapshot)
    {
        var change = new ServiceChange(kind, snapshot);
        foreach (var subscription in state.Subscriptions)
        {
            if (subscription.Wants(service.Type))
            {
                subscription.Events.Writer.TryWrite(change);
            }
        }
    }

    public void Forget(DnsName instance)
    {
        if (state.Services.Remove(instance, out var service) && service.Host is { } host)
        {
            Unindex(host, instance);
        }
    }

    private void Unindex(DnsName host, DnsName instance)
    {
        if (state.ByHost.TryGetValue(host, out var instances) && instances.Remove(instance) && instances.Count == 0)
        {
            state.ByHost.Remove(host);
        }
    }

    private void TrimStale()
    {
        var stale = 0;
        TrackedService? oldest = null;
        foreach (var service in state.Services.Values)
        {
            if (service.IsStale)
            {
                stale++;
                if (oldest is null || service.StaleSince < oldest.StaleSince)
                {
                    oldest = service;
                }
            }
        }

        if (stale > MaxStale && oldest is not null)
        {
            Forget(oldest.FullName);
        }
    }
}
