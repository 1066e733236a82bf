using System.Net;
using Koi.Core.Discovery;
using Koi.Dns.Protocol;
using Koi.Dns.Protocol.Records;
using Koi.Mdns.Naming;

namespace Koi.Mdns.Discovery;

/// <summary>What the tracker knows of one service instance, assembled from cached PTR, SRV, TXT and address records.</summary>
internal sealed class TrackedService(DnsName fullName, DateTimeOffset firstSeen)
{
    private static readonly IReadOnlyDictionary<string, string> NoTxt = new Dictionary<string, string>();

    private DiscoveredService? _public;
    private DnsName? _publicHost;
    private string? _name;
    private string? _type;
    private string? _fullName;

    public DnsName FullName { get; } = fullName;

    public DnsName Type { get; } = fullName.Parent;

    public DateTimeOffset FirstSeen { get; set; } = firstSeen;

    public DateTimeOffset LastSeen { get; set; } = firstSeen;

    /// <summary>A PTR from its type names it: it was browsed or overheard, not only resolved by name.</summary>
    public bool HasPointer { get; set; }

    public bool IsStale { get; set; }

    public DateTimeOffset StaleSince { get; set; }

    public DnsName? Host { get; set; }

    public int Port { get; set; }

    public bool HasSrv { get; set; }

    public DateTimeOffset SrvSince { get; set; }

    public bool HasTxt { get; set; }

    public IReadOnlyDictionary<string, string> Txt { get; private set; } = NoTxt;

    /// <summary>The TXT record <see cref="Txt"/> was decoded from.</summary>
    public TxtRecordData? TxtRecord { get; private set; }

    /// <summary>Decodes <paramref name="txt"/> only when it differs from the record decoded last (a renewal repeats it).</summary>
    public void SetTxt(TxtRecordData? txt)
    {
        if (txt is null)
        {
            TxtRecord = null;
            Txt = NoTxt;
            return;
        }

        if (txt.Equals(TxtRecord))
        {
            return;
        }

        TxtRecord = txt;
        Txt = TxtProperties.Decode(txt);
    }

    public List<IPAddress> Addresses { get; } = [];

    public bool FoundAnnounced { get; set; }

    /// <summary>The last resolution told to subscribers; a new one is told only when it differs.</summary>
    public DiscoveredService? LastResolved { get; set; }

    public bool IsResolved => HasSrv && Addresses.Count > 0;

    /// <summary>
    /// The public view. The last one is kept and handed out again while nothing in it changed: a host record heard
    /// again makes the tracker recompute every service of that host, and presence sweeps read every service every
    /// few seconds, so building a new view (five strings, an address array) each time was most of what a LAN of
    /// many services made this daemon allocate (docs/performance.md, "Native AOT").
    /// </summary>
    public DiscoveredService ToPublic()
    {
        if (_public is { } last && last.Port == Port && last.IsStale == IsStale && last.IsResolved == IsResolved &&
            last.FirstSeen == FirstSeen && last.LastSeen == LastSeen && ReferenceEquals(last.Txt, Txt) &&
            ReferenceEquals(_publicHost, Host) && SameAddresses(last.Addresses))
        {
            return last;
        }

        _name ??= InstanceName.LabelOf(FullName);
        _type ??= ServiceTypeName.Format(Type);
        _fullName ??= FullName.ToString();
        var host = ReferenceEquals(_publicHost, Host) && _public is not null ? _public.Host : Host?.ToString();
        _publicHost = Host;
        _public = new DiscoveredService(_name, _type, _fullName, host, Port, [.. Addresses], Txt, FirstSeen, LastSeen, IsResolved, IsStale);
        return _public;
    }

    private bool SameAddresses(IReadOnlyList<IPAddress> addresses)
    {
        if (addresses.Count != Addresses.Count)
        {
            return false;
        }

        for (var i = 0; i < addresses.Count; i++)
        {
            if (!addresses[i].Equals(Addresses[i]))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Same host, port, addresses and TXT: nothing a client would act on has changed.</summary>
    public static bool SameResolution(DiscoveredService a, DiscoveredService b)
    {
        if (ReferenceEquals(a, b))
        {
            return true;
        }

        if (a.Host != b.Host || a.Port != b.Port || a.Addresses.Count != b.Addresses.Count || a.Txt.Count != b.Txt.Count)
        {
            return false;
        }

        for (var i = 0; i < a.Addresses.Count; i++)
        {
            if (!a.Addresses[i].Equals(b.Addresses[i]))
            {
                return false;
            }
        }

        foreach (var (key, value) in a.Txt)
        {
            if (!b.Txt.TryGetValue(key, out var other) || other != value)
            {
                return false;
            }
        }

        return true;
    }
}
