using System.Net;

namespace Koi.Proxy;

/// <summary>
/// Process-level knobs of the proxy. What users change (the entries) is not here but in <c>state/proxy.json</c>,
/// which <c>koi proxy add</c> and <c>remove</c> maintain.
/// </summary>
public sealed record ProxyOptions
{
    /// <summary>A connection with no byte in either direction for this long is closed.</summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>A client that has not finished its TLS handshake after this long is dropped.</summary>
    public TimeSpan HandshakeTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// A client that has sent nothing this long after connecting is dropped. Until its first byte a connection holds
    /// no buffer and no TLS state, only its socket.
    /// </summary>
    public TimeSpan FirstByteTimeout { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>How long a connection to the backend may take before the client is closed and the failure counted.</summary>
    public TimeSpan BackendConnectTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How often an entry without traffic checks that its backend accepts connections (connect, close).</summary>
    public TimeSpan BackendCheckInterval { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How long a resolved backend name is used before it is resolved (and the loopback rule applied) again.</summary>
    public TimeSpan BackendResolveTtl { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>A listener that could not bind (port in use) or died tries again after this long.</summary>
    public TimeSpan BindRetry { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How often the certificate files are checked for a change (two stats) besides the file-system watcher, which
    /// may miss events (e.g. on network file systems).
    /// </summary>
    public TimeSpan CertificateRecheck { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Where the pump's buffers come from (test seam: a counting pool shows what idle connections hold).</summary>
    public System.Buffers.ArrayPool<byte> BufferPool { get; init; } = System.Buffers.ArrayPool<byte>.Shared;

    /// <summary>Bytes buffered per direction per connection; one TLS record holds at most 16 KiB.</summary>
    public int BufferSize { get; init; } = 16 * 1024;

    /// <summary>
    /// Threads that wait in epoll for the proxy's connections and pump them (Linux); 0 leaves the connections to .NET's
    /// socket engine, which hands every completed read to the thread pool first (see docs/performance.md).
    /// </summary>
    public int SocketLoops { get; init; } = Math.Clamp(Environment.ProcessorCount, 1, 4);

    /// <summary>Open connections per entry at most; beyond it new clients are closed at once (and counted).</summary>
    public int MaxConnectionsPerEntry { get; init; } = 1024;

    /// <summary>
    /// Open connections per entry from one source (an IPv4 address, or an IPv6 /64) at most; beyond it that source's
    /// new connections are closed at once, so one client cannot take the entry's whole budget.
    /// </summary>
    public int MaxConnectionsPerSource { get; init; } = 64;

    /// <summary>
    /// Connections of an entry that have not finished their TLS handshake, at most. When this or
    /// <see cref="MaxConnectionsPerEntry"/> is reached, the oldest of them is closed to make room for the new client.
    /// </summary>
    public int MaxPendingHandshakes { get; init; } = 128;

    /// <summary>
    /// The daemon's own HTTP API port (set by the daemon). A local backend on this port is refused: the API treats
    /// loopback callers as this machine's user, so proxying to it would hand the API to the network.
    /// </summary>
    public int? DaemonApiPort { get; init; }

    /// <summary>
    /// The DNS zone whose names clients type (<c>grafana.lan</c>): the zone koi's DNS servers answer for, <c>lan</c> unless
    /// changed there (docs/dns.md). An entry serves <c>NAME.ZONE</c> and <c>NAME-HOST.ZONE</c> (see docs/proxy.md).
    /// </summary>
    public string Zone { get; init; } = "lan";

    /// <summary>Entries at most.</summary>
    public int MaxEntries { get; init; } = 64;

    /// <summary>How often the names users are told to type are resolved through this machine's resolver (status only).</summary>
    public TimeSpan NameCheckInterval { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How long one such lookup may take before it counts as not resolving.</summary>
    public TimeSpan NameCheckTimeout { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>Test seam: this machine's resolver for the status name checks (default: the system resolver).</summary>
    public Func<string, CancellationToken, Task<IPAddress[]>>? ResolveName { get; init; }

    /// <summary>This machine's host name as certmesh names it (<c>KOI_HOSTNAME</c>; default: the system host name, see <see cref="Certificates.CertificateLocation"/>).</summary>
    public Func<string>? Hostname { get; init; }

    /// <summary>Test seam: name resolution of backend hosts (default: the system resolver).</summary>
    public Func<string, CancellationToken, Task<IPAddress[]>>? Resolve { get; init; }
}
