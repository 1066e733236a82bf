using Koi.Dns.Protocol;
using Koi.Dns.Protocol.Records;
using Koi.Mdns.Caching;
using Koi.Mdns.Naming;

namespace Koi.Mdns.Discovery;

/// <summary>Which questions the browses and resolves in progress need, and which cached names are worth refreshing.</summary>
internal sealed class QuestionPlanner(RecordCache cache, MdnsOptions options, TrackerState state)
{
    private const int MaxBrowsedTypes = 256;

    private readonly HashSet<DnsName> _browsedTypes = [];
    private readonly HashSet<DnsName> _interesting = [];

    /// <summary>Fills <paramref name="desired"/> with what the querier should keep asking, and remembers what to refresh.</summary>
    public void Desired(HashSet<NameTypeKey> desired)
    {
        desired.Clear();
        _browsedTypes.Clear();
        _interesting.Clear();
        var allTypes = options.BrowseAllInBackground;
        foreach (var subscription in state.Subscriptions)
        {
            if (subscription.ServiceType is { } type)
            {
                _browsedTypes.Add(type);
            }
            else
            {
                allTypes = true;
            }
        }

        if (allTypes)
        {
            desired.Add(new NameTypeKey(MdnsNames.ServiceEnumeration, DnsType.PTR));
            _interesting.Add(MdnsNames.ServiceEnumeration);
            foreach (var cached in cache.Find(MdnsNames.ServiceEnumeration, DnsType.PTR))
            {
                if (_browsedTypes.Count >= MaxBrowsedTypes)
                {
                    break;
                }

                if (cached.Record.Data is PtrRecordData ptr && MdnsNames.IsServiceType(ptr.DomainName))
                {
                    _browsedTypes.Add(ptr.DomainName);
                }
            }
        }

        foreach (var type in _browsedTypes)
        {
            desired.Add(new NameTypeKey(type, DnsType.PTR));
            _interesting.Add(type);
        }

        foreach (var service in state.Services.Values)
        {
            var wanted = state.ResolveInterest.ContainsKey(service.FullName) ||
                         (!service.IsStale && service.HasPointer && (allTypes || _browsedTypes.Contains(service.Type)));
            if (wanted)
            {
                AddResolutionQuestions(service, desired);
            }
        }

        foreach (var instance in state.ResolveInterest.Keys)
        {
            if (!state.Services.ContainsKey(instance))
            {
                desired.Add(new NameTypeKey(instance, DnsType.SRV));
                desired.Add(new NameTypeKey(instance, DnsType.TXT));
                _interesting.Add(instance);
            }
        }

        state.InterestChanged = false;
    }

    /// <summary>True when a cached record answers something a browse or resolve still needs (RFC 6762 §5.2 refresh).</summary>
    public bool IsInteresting(DnsName owner) => _interesting.Contains(owner);

    private void AddResolutionQuestions(TrackedService service, HashSet<NameTypeKey> desired)
    {
        _interesting.Add(service.FullName);
        if (!service.HasSrv)
        {
            desired.Add(new NameTypeKey(service.FullName, DnsType.SRV));
        }

        if (!service.HasTxt)
        {
            desired.Add(new NameTypeKey(service.FullName, DnsType.TXT));
        }

        if (service.Host is { } host)
        {
            _interesting.Add(host);
            if (service.Addresses.Count == 0)
            {
                desired.Add(new NameTypeKey(host, DnsType.A));
                if (options.EnableIPv6)
                {
                    desired.Add(new NameTypeKey(host, DnsType.AAAA));
                }
            }
        }
    }
}
