using Koi.Dns.Protocol;
using Koi.Mdns.Caching;
using Koi.Mdns.Naming;
using Koi.Mdns.Transport;

namespace Koi.Mdns.Responding;

/// <summary>The responder's answers: which of our records answer a question, and which records go along as additionals.</summary>
internal sealed class LocalRecords(List<LocalHost> hosts, Dictionary<string, LocalService> services)
{
    private readonly List<DnsResourceRecord> _scratch = [];

    /// <summary>Adds the records of ours that answer <paramref name="question"/> on <paramref name="nic"/>, live names only.</summary>
    public void Answer(DnsQuestion question, MdnsInterface nic, List<DnsResourceRecord> answers)
    {
        if (question.Class is not (DnsClass.IN or DnsClass.ANY))
        {
            return;
        }

        var type = question.Type;
        var name = question.Name;
        if (name.Equals(MdnsNames.ServiceEnumeration) && Matches(type, DnsType.PTR))
        {
            foreach (var service in services.Values)
            {
                if (service.IsLive)
                {
                    AddDistinct(answers, service.EnumerationPointer);
                }
            }

            return;
        }

        foreach (var service in services.Values)
        {
            if (!service.IsLive)
            {
                continue;
            }

            if (Matches(type, DnsType.PTR) && name.Equals(service.ServiceType))
            {
                AddDistinct(answers, service.Pointer);
            }
            else if (name.Equals(service.Name))
            {
                if (Matches(type, DnsType.SRV))
                {
                    AddDistinct(answers, service.Srv);
                }

                if (Matches(type, DnsType.TXT))
                {
                    AddDistinct(answers, service.TxtRecord);
                }
            }
        }

        foreach (var host in hosts)
        {
            if (host.IsLive && name.Equals(host.Name))
            {
                AddAddresses(host, nic, type, answers);
            }
        }
    }

    /// <summary>RFC 6763 §12: with a PTR to an instance go its SRV, TXT and addresses; with an SRV, the target's addresses.</summary>
    public void Additionals(List<DnsResourceRecord> answers, MdnsInterface nic, List<DnsResourceRecord> additionals)
    {
        foreach (var answer in answers)
        {
            if (answer.Data is Dns.Protocol.Records.PtrRecordData ptr && FindService(ptr.DomainName) is { } service)
            {
                AddUnlessAnswered(answers, additionals, service.Srv);
                AddUnlessAnswered(answers, additionals, service.TxtRecord);
                AddHostAddresses(service.Host, nic, answers, additionals);
            }
            else if (answer.Data is Dns.Protocol.Records.SrvRecordData srv && FindHost(srv.Target) is { } host)
            {
                AddHostAddresses(host, nic, answers, additionals);
            }
        }
    }

    /// <summary>The live owner of a unique name of ours, or null.</summary>
    public UniqueName? FindOwner(DnsName name)
    {
        foreach (var host in hosts)
        {
            if (!host.IsWithdrawn && host.Name.Equals(name))
            {
                return host;
            }
        }

        foreach (var service in services.Values)
        {
            if (!service.IsWithdrawn && service.Name.Equals(name))
            {
                return service;
            }
        }

        return null;
    }

    public LocalService? FindService(DnsName instance)
    {
        foreach (var service in services.Values)
        {
            if (service.IsLive && service.Name.Equals(instance))
            {
                return service;
            }
        }

        return null;
    }

    private LocalHost? FindHost(DnsName name)
    {
        foreach (var host in hosts)
        {
            if (host.IsLive && host.Name.Equals(name))
            {
                return host;
            }
        }

        return null;
    }

    private void AddHostAddresses(LocalHost host, MdnsInterface nic, List<DnsResourceRecord> answers, List<DnsResourceRecord> additionals)
    {
        if (!host.IsLive)
        {
            return;
        }

        _scratch.Clear();
        host.AddUniqueRecords(nic, _scratch);
        foreach (var record in _scratch)
        {
            AddUnlessAnswered(answers, additionals, record);
        }
    }

    private void AddAddresses(LocalHost host, MdnsInterface nic, DnsType type, List<DnsResourceRecord> answers)
    {
        _scratch.Clear();
        host.AddUniqueRecords(nic, _scratch);
        foreach (var record in _scratch)
        {
            if (Matches(type, record.Type))
            {
                AddDistinct(answers, record);
            }
        }
    }

    private static bool Matches(DnsType asked, DnsType type) => asked == type || asked == DnsType.ANY;

    private static void AddUnlessAnswered(List<DnsResourceRecord> answers, List<DnsResourceRecord> additionals, DnsResourceRecord record)
    {
        if (!Contains(answers, record))
        {
            AddDistinct(additionals, record);
        }
    }

    internal static void AddDistinct(List<DnsResourceRecord> list, DnsResourceRecord record)
    {
        if (!Contains(list, record))
        {
            list.Add(record);
        }
    }

    internal static bool Contains(List<DnsResourceRecord> list, DnsResourceRecord record)
    {
        foreach (var existing in list)
        {
            if (RecordIdentity.Same(existing, record))
            {
                return true;
            }
        }

        return false;
    }
}
