namespace Koi.Mdns;

/// <summary>How the mDNS engine picks interfaces and bounds its state. The defaults suit a daemon on a LAN.</summary>
public sealed record MdnsOptions
{
    /// <summary>
    /// Interfaces to use, by name (e.g. <c>eth0</c>). Empty: every interface that is up, multicast-capable and not a
    /// loopback or container bridge (<c>docker0</c>, <c>br-*</c>, <c>veth*</c>).
    /// </summary>
    public IReadOnlyList<string> Interfaces { get; init; } = [];

    /// <summary>Also speak mDNS over IPv6 (ff02::fb) on interfaces that have an IPv6 address.</summary>
    public bool EnableIPv6 { get; init; } = true;

    /// <summary>The host label announced as <c>HOST.local</c>; null: the machine's host name.</summary>
    public string? HostName { get; init; }

    /// <summary>Records the cache holds at most; beyond it the least recently refreshed go first.</summary>
    public int MaxCacheRecords { get; init; } = 4096;

    /// <summary>Questions asked continuously at most (browses, resolves, refreshes of their answers).</summary>
    public int MaxQuestions { get; init; } = 1024;

    /// <summary>Services this engine announces at most.</summary>
    public int MaxRegistrations { get; init; } = 256;

    /// <summary>How long a service that left stays listed (as stale) so its last-seen time stays answerable.</summary>
    public TimeSpan StaleRetention { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>Browse every service type for as long as the engine runs, so the registry fills without a client.</summary>
    public bool BrowseAllInBackground { get; init; }

    /// <summary>
    /// How often the interfaces and their addresses are looked at again besides the looks the system's network change
    /// reports trigger (every 2 s where there are no such reports; docs/mdns.md, "Network changes"); zero turns the watch
    /// off and keeps what was found at start.
    /// </summary>
    public TimeSpan InterfaceCheckInterval { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>When set, the engine announces the daemon itself as <c>_koi._tcp</c> once started.</summary>
    public KoiSelfAnnouncement? SelfAnnouncement { get; init; }
}

/// <summary>What the <c>_koi._tcp</c> announcement carries in its TXT record.</summary>
public sealed record KoiSelfAnnouncement(string Version, int ApiPort);
