using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Koi.Core.Errors;
using Koi.Proxy.Backends;

namespace Koi.Proxy.Entries;

/// <summary>
/// Turns a <see cref="ProxyEntryRequest"/> into a <see cref="ProxyEntry"/> or a 400 that names the rule broken. Only
/// the shape is checked here; the backend rule (<see cref="BackendRule"/>), the certificate and the port are checked
/// by <see cref="ProxyService"/> before anything changes.
/// </summary>
internal static class ProxyEntryValidator
{
    private const int MaxNameLength = 63;
    private const int MaxPathLength = 4096;

    public static ProxyEntry Validate(ProxyEntryRequest request, DateTimeOffset now)
    {
        var name = ValidateName(request.Name);
        var (address, port) = ValidateListen(request.Listen);
        var backend = BackendTarget.Parse(request.Backend);
        var certPath = ValidateCertPath(request.CertPath);
        var clients = ProxyClients.Validate(request.Clients);
        if (!request.NoAlias && Routing.ServedNames.AliasProblem(name) is { } problem)
        {
            throw Invalid($"{problem}, so it cannot become {name}.lan; choose such a name, or add the entry with no_alias (--no-alias) to reach it by the machine's name only");
        }

        return new ProxyEntry(name, port, address, backend.Url, request.BackendRemote, certPath, now, request.Http2, clients, request.NoAlias);
    }

    public static string ValidateName(string? name)
    {
        if (string.IsNullOrEmpty(name))
        {
            throw Invalid("a proxy entry needs a name");
        }

        if (name.Length > MaxNameLength || !char.IsAsciiLetterOrDigit(name[0]))
        {
            throw Invalid($"name '{Shorten(name)}' must start with a letter or digit and have at most {MaxNameLength} characters");
        }

        foreach (var c in name)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not ('-' or '_' or '.'))
            {
                throw Invalid($"name '{Shorten(name)}' may contain only letters, digits, '-', '_' and '.'");
            }
        }

        return name;
    }

    /// <summary><c>8443</c>, <c>"8443"</c>, <c>"127.0.0.1:8443"</c> or <c>"[::1]:8443"</c>; the address must be an IP literal.</summary>
    public static (string? Address, int Port) ValidateListen(JsonElement? listen)
    {
        if (listen is not { } value || value.ValueKind is JsonValueKind.Null or JsonValueKind.Undefined)
        {
            throw Invalid("a proxy entry needs listen: the TLS port to serve, e.g. 8443");
        }

        if (value.ValueKind == JsonValueKind.Number)
        {
            return (null, value.TryGetInt32(out var number) ? ValidatePort(number.ToString(CultureInfo.InvariantCulture)) : throw Invalid($"listen port {value} must be 1-65535"));
        }

        if (value.ValueKind != JsonValueKind.String)
        {
            throw Invalid("listen must be a port (8443) or ADDRESS:PORT (127.0.0.1:8443, [::1]:8443)");
        }

        var text = value.GetString()!.Trim();
        var colon = text.LastIndexOf(':');
        if (colon < 0)
        {
            return (null, ValidatePort(text));
        }

        var host = text[..colon];
        if (host.StartsWith('[') && host.EndsWith(']'))
        {
            host = host[1..^1];
        }
        else if (host.Contains(':', StringComparison.Ordinal))
        {
            throw Invalid($"listen '{Shorten(text)}': write an IPv6 address in brackets, e.g. [::1]:8443");
        }

        if (host.Length == 0)
        {
            return (null, ValidatePort(text[(colon + 1)..]));
        }

        // IPAddress.TryParse also takes inet_aton shorthands ("1.2.3" = 1.2.0.3); only the plain dotted quad is meant.
        if (!IPAddress.TryParse(host, out var address)
            || address.AddressFamily is not (AddressFamily.InterNetwork or AddressFamily.InterNetworkV6)
            || (address.AddressFamily == AddressFamily.InterNetwork && address.ToString() != host))
        {
            throw Invalid($"listen address '{Shorten(host)}' is not an IP address of this machine (a name is not accepted: give the address, or only the port for every address)");
        }

        if (address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any))
        {
            return (null, ValidatePort(text[(colon + 1)..]));
        }

        return (address.ToString(), ValidatePort(text[(colon + 1)..]));
    }

    private static int ValidatePort(string text)
    {
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
        {
            throw Invalid($"listen port '{Shorten(text)}' must be a number 1-65535");
        }

        return port;
    }

    private static string? ValidateCertPath(string? path)
    {
        if (path is null)
        {
            return null;
        }

        if (path.Length == 0 || path.Length > MaxPathLength || path.Contains('\0', StringComparison.Ordinal) || !Path.IsPathFullyQualified(path))
        {
            throw Invalid($"cert_path '{Shorten(path)}' must be an absolute directory path (holding fullchain.pem and key.pem)");
        }

        return Path.TrimEndingDirectorySeparator(Path.GetFullPath(path));
    }

    internal static KoiException Invalid(string message) => new(KoiErrorCode.InvalidRequest, message);

    internal static string Shorten(string text) => text.Length <= 64 ? text : text[..61] + "...";
}
