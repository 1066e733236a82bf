namespace Koi.Dns.Settings;

/// <summary>How the resolver serves, as <c>koi dns serve</c> last set it. Persisted, so a restarted daemon serves again.</summary>
internal sealed record DnsSettings
{
    public const int DefaultRateLimitQps = 200;
    public const int DefaultRateLimitBurst = 400;
    public const int MaxRateLimitSlip = 10;

    /// <summary>True between <c>koi dns serve</c> and <c>koi dns stop</c>.</summary>
    public bool Serving { get; init; }

    /// <summary>The authoritative zone without trailing dot, e.g. <c>lan</c>.</summary>
    public string Zone { get; init; } = "lan";

    public int Port { get; init; } = 53;

    /// <summary><c>IP</c> or <c>IP:PORT</c> (<c>[v6]:PORT</c>); empty means the system's resolvers.</summary>
    public IReadOnlyList<string> Upstreams { get; init; } = [];

    /// <summary>Addresses to listen on; empty means this machine's private LAN addresses and loopback.</summary>
    public IReadOnlyList<string> Listen { get; init; } = [];

    /// <summary>Generate <c>grafana.lan</c> from <c>_grafana._tcp</c>.</summary>
    public bool ServiceAliases { get; init; } = true;

    public bool AllowPublicClients { get; init; }

    public int RateLimitQps { get; init; } = DefaultRateLimitQps;

    public int RateLimitBurst { get; init; } = DefaultRateLimitBurst;

    /// <summary>0 (default): over the rate is REFUSED; N: every Nth query over the rate gets a truncated reply instead.</summary>
    public int RateLimitSlip { get; init; }
}
