using System.Net;
using Koi.Core.Discovery;
using Koi.Dns.Protocol;
using Koi.Mdns.Naming;

namespace Koi.Mdns.Discovery;

/// <summary>What the tracker knows of one service instance, assembled from cached PTR, SRV, TXT and address records.</summary>
internal sealed class TrackedService(DnsName fullName, DateTimeOffset firstSeen)
{
    private static readonly IReadOnlyDictionary<string, string> NoTxt = new Dictionary<string, string>();

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

    public IReadOnlyDictionary<string, string> Txt { get; set; } = NoTxt;

    public List<IPAddress> Addresses { get; } = [];

    public bool FoundAnnounced { get; set; }

    /// <summary>The last resolution told to subscribers; a new one is told only when it differs.</summary>
    public DiscoveredService? LastResolved { get; set; }

    public bool IsResolved => HasSrv && Addresses.Count > 0;

    public DiscoveredService ToPublic() => new(
        InstanceName.LabelOf(FullName),
        ServiceTypeName.Format(Type),
        FullName.ToString(),
        Host?.ToString(),
        Port,
        [.. Addresses],
        Txt,
        FirstSeen,
        LastSeen,
        IsResolved,
        IsStale);

    /// <summary>Same host, port, addresses and TXT: nothing a client would act on has changed.</summary>
    public static bool SameResolution(DiscoveredService a, DiscoveredService b)
    {
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
