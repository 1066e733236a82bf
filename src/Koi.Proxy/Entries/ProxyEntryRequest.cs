using System.Text.Json;

namespace Koi.Proxy.Entries;

/// <summary>
/// The body of <c>POST /v1/proxy/entries</c>: <c>{"name", "listen": 8443 | "8443" | "127.0.0.1:8443",
/// "backend": "http://localhost:3000", "backend_remote"?: false, "cert_path"?: "/abs/dir", "http2"?: false, "clients"?: "any" | "mesh", "no_alias"?: false}</c>.
/// </summary>
internal sealed record ProxyEntryRequest(string? Name, JsonElement? Listen, string? Backend, bool BackendRemote = false, string? CertPath = null, bool Http2 = false, string? Clients = null, bool NoAlias = false);
