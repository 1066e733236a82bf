using System.Net;
using Koi.Dns.Transport;

namespace Koi.Dns;

/// <summary>
/// Process-level knobs of the DNS capability. What users change (zone, port, upstreams, listen addresses, aliases,
/// client rules) is not here but in the settings <c>koi dns serve</c> persists.
/// </summary>
public sealed record DnsCapabilityOptions
{
    /// <summary>Where the system's resolvers are read from when no upstream is configured.</summary>
    public string ResolvConfPath { get; init; } = "/etc/resolv.conf";

    /// <summary>Receive threads per UDP socket (blocking receive: one per core is enough).</summary>
    public int UdpReceiveLoops { get; init; } = Math.Clamp(Environment.ProcessorCount, 2, 16);

    /// <summary>
    /// How long the UDP loop may hold back its next receive while queries come in a dense stream, so one wake-up takes
    /// several (zero: never). Latency traded for CPU per answer; docs/dns.md, "Receive hold".
    /// </summary>
    public TimeSpan UdpReceiveHold { get; init; } = ReceiveHold.FromEnvironment(Environment.GetEnvironmentVariable);

    /// <summary>How long one upstream gets to answer before the next is tried (and finally SERVFAIL).</summary>
    public TimeSpan UpstreamTimeout { get; init; } = TimeSpan.FromSeconds(2);

    public int MaxTcpConnections { get; init; } = 256;

    /// <summary>
    /// TCP connections one client (an IPv4 address, or an IPv6 /64) may hold at once; beyond it its new connections are
    /// closed, so one client cannot take every slot.
    /// </summary>
    public int MaxTcpConnectionsPerSource { get; init; } = 16;

    /// <summary>
    /// A TCP connection whose client does not take an answer within this long is closed: a client that sends queries
    /// and never reads would otherwise hold its slot for ever once the socket buffers are full.
    /// </summary>
    public TimeSpan TcpSendTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>A TCP connection waiting longer than this for (the rest of) a query is closed.</summary>
    public TimeSpan TcpIdleTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Clients the rate limiter tracks at most; beyond, new clients are refused until old ones go idle.</summary>
    public int MaxTrackedClients { get; init; } = 10_000;

    public int MaxForwardsInFlight { get; init; } = 1024;

    /// <summary>Announce the resolver over mDNS as <c>_dns._udp</c> while it serves.</summary>
    public bool Advertise { get; init; } = true;

    /// <summary>The listen addresses when settings name none; tests replace it to stay on loopback.</summary>
    public Func<IReadOnlyList<IPAddress>> DefaultListen { get; init; } = LocalAddresses.DefaultListen;
}
