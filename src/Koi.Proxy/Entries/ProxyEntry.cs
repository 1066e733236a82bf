using System.Net;
using System.Text.Json.Serialization;
using Koi.Proxy.Backends;

namespace Koi.Proxy.Entries;

/// <summary>One configured proxy: a TLS port, the plain backend it forwards to, and where its certificate lives.</summary>
/// <param name="ListenAddress">The one address to listen on; null means every address of the machine.</param>
/// <param name="BackendRemote">The operator allowed a backend that is not on this machine (the hop is unencrypted).</param>
/// <param name="CertPath">A directory with fullchain.pem and key.pem; null means certmesh's <c>certs/&lt;hostname&gt;/</c>.</param>
/// <param name="Http2">The backend speaks HTTP/2 without TLS (h2c, prior knowledge): offer <c>h2</c> in ALPN so
/// clients that choose it talk HTTP/2 straight through the pipe. Off, only <c>http/1.1</c> is offered.</param>
/// <param name="Clients"><see cref="ProxyClients.Any"/>, or <see cref="ProxyClients.Mesh"/>: only active mesh members'
/// certificates complete the handshake.</param>
/// <param name="NoAlias">Not announced over mDNS and not offered for the certificate (<c>--no-alias</c>): reached by the
/// machine's own name only. The name still picks the entry by SNI on a shared port.</param>
internal sealed record ProxyEntry(
    string Name,
    int ListenPort,
    string? ListenAddress,
    string Backend,
    bool BackendRemote,
    string? CertPath,
    DateTimeOffset AddedAt,
    bool Http2 = false,
    string Clients = ProxyClients.Any,
    bool NoAlias = false)
{
    [JsonIgnore]
    public IPEndPoint ListenEndPoint => new(ListenAddress is null ? IPAddress.IPv6Any : IPAddress.Parse(ListenAddress), ListenPort);

    [JsonIgnore]
    public BackendTarget Target => BackendTarget.Parse(Backend);

    /// <summary><c>:8443</c> for every address, <c>127.0.0.1:8443</c> or <c>[::1]:8443</c> for one.</summary>
    [JsonIgnore]
    public string ListenText => ListenAddress is null
        ? $":{ListenPort}"
        : IPAddress.Parse(ListenAddress).AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6
            ? $"[{ListenAddress}]:{ListenPort}"
            : $"{ListenAddress}:{ListenPort}";

    /// <summary>Two entries cannot both listen on this port: the same port, and the same address or either on all.</summary>
    public bool Overlaps(ProxyEntry other) =>
        ListenPort == other.ListenPort
        && (ListenAddress is null || other.ListenAddress is null || IPAddress.Parse(ListenAddress).Equals(IPAddress.Parse(other.ListenAddress)));
}
