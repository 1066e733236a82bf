using Koi.Dns.Protocol;
using Koi.Dns.Protocol.Records;
using Koi.Mdns.Naming;
using Koi.Mdns.Transport;

namespace Koi.Mdns.Responding;

/// <summary>
/// A service instance this engine announces (RFC 6763 §4–6): PTR type → instance and the type's entry under
/// <c>_services._dns-sd._udp</c> (shared), SRV and TXT under the instance name (unique).
/// </summary>
internal sealed class LocalService : UniqueName
{
    /// <summary>RFC 6762 §10: records naming a host live 120 s, all others 75 minutes.</summary>
    public const uint HostRecordTtl = 120;
    public const uint OtherRecordTtl = 4500;

    private DnsName _name;

    public LocalService(string id, string label, DnsName serviceType, ushort port, TxtRecordData txt, LocalHost host)
    {
        Id = id;
        Label = label;
        ServiceType = serviceType;
        Port = port;
        Txt = txt;
        Host = host;
        _name = InstanceName.Combine(label, serviceType);
    }

    public string Id { get; }

    public string Label { get; private set; }

    public DnsName ServiceType { get; }

    public ushort Port { get; }

    public TxtRecordData Txt { get; }

    /// <summary>The TXT properties as registered, for display.</summary>
    public IReadOnlyDictionary<string, string> TxtProperties { get; init; } = new Dictionary<string, string>();

    public LocalHost Host { get; }

    public override DnsName Name => _name;

    /// <summary>
    /// Completed once the first probing ends (with the final name), or as soon as there is no link to probe on (the
    /// service then waits, <see cref="ProbeState.Waiting"/>); the engine awaits it outside its lock.
    /// </summary>
    public TaskCompletionSource Established { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public DnsResourceRecord Srv => new(Name, HostRecordTtl, new SrvRecordData(0, 0, Port, Host.Name), cacheFlush: true);

    public DnsResourceRecord TxtRecord => new(Name, OtherRecordTtl, Txt, cacheFlush: true);

    public DnsResourceRecord Pointer => new(ServiceType, OtherRecordTtl, new PtrRecordData(Name));

    public DnsResourceRecord EnumerationPointer => new(MdnsNames.ServiceEnumeration, OtherRecordTtl, new PtrRecordData(ServiceType));

    public override void AddUniqueRecords(MdnsInterface nic, List<DnsResourceRecord> records)
    {
        records.Add(Srv);
        records.Add(TxtRecord);
    }

    protected override void OnRename()
    {
        Label = InstanceName.Next(Label);
        _name = InstanceName.Combine(Label, ServiceType);
    }
}
