using System.Net;
using Koi.Proxy.Entries;

namespace Koi.Proxy.Backends;

/// <summary>
/// Where decrypted bytes go: <c>http://HOST[:PORT][/]</c>. Only the host and port matter — the proxy is a byte pipe and
/// never rewrites a request — so a path, query, credentials or another scheme are refused rather than ignored.
/// </summary>
internal sealed record BackendTarget(string Host, int Port)
{
    private const int MaxUrlLength = 2048;

    /// <summary>The canonical URL: <c>http://localhost:3000</c>, <c>http://[::1]:3000</c>.</summary>
    public string Url => $"http://{(Literal is { AddressFamily: System.Net.Sockets.AddressFamily.InterNetworkV6 } ? $"[{Host}]" : Host)}:{Port}";

    /// <summary>The host when it is an IP address, else null (a name to resolve).</summary>
    public IPAddress? Literal => IPAddress.TryParse(Host, out var address) ? address : null;

    public static BackendTarget Parse(string? url)
    {
        if (string.IsNullOrWhiteSpace(url))
        {
            throw ProxyEntryValidator.Invalid("a proxy entry needs a backend URL, e.g. http://localhost:3000");
        }

        if (url.Length > MaxUrlLength || !Uri.TryCreate(url.Trim(), UriKind.Absolute, out var uri))
        {
            throw ProxyEntryValidator.Invalid($"backend '{ProxyEntryValidator.Shorten(url)}' is not a URL; write it as http://HOST:PORT, e.g. http://localhost:3000");
        }

        if (uri.Scheme == Uri.UriSchemeHttps)
        {
            throw ProxyEntryValidator.Invalid($"backend '{ProxyEntryValidator.Shorten(url)}' is https: the proxy forwards the decrypted stream as is, so the backend must speak plain http:// (a service that already speaks TLS can use the certificate files directly)");
        }

        if (uri.Scheme != Uri.UriSchemeHttp)
        {
            throw ProxyEntryValidator.Invalid($"backend '{ProxyEntryValidator.Shorten(url)}' must be an http:// URL, e.g. http://localhost:3000");
        }

        if (uri.UserInfo.Length > 0)
        {
            throw ProxyEntryValidator.Invalid("backend URL must not carry user:password@ (the proxy passes requests through unchanged)");
        }

        if (uri.AbsolutePath != "/" || uri.Query.Length > 0 || uri.Fragment.Length > 0)
        {
            throw ProxyEntryValidator.Invalid($"backend '{ProxyEntryValidator.Shorten(url)}' has a path or query: the proxy forwards whole connections and never rewrites paths, so give only http://HOST:PORT");
        }

        var host = uri.IdnHost.Trim('[', ']');
        if (host.Length == 0)
        {
            throw ProxyEntryValidator.Invalid("backend URL needs a host, e.g. http://localhost:3000");
        }

        return new BackendTarget(host.ToLowerInvariant(), uri.Port);
    }
}
