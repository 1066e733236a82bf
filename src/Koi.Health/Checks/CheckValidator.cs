using System.Globalization;
using System.Net;
using Koi.Core.Errors;

namespace Koi.Health.Checks;

/// <summary>Turns a <see cref="CheckRequest"/> into a <see cref="CheckDefinition"/> or a 400 that names the rule broken.</summary>
internal static class CheckValidator
{
    public static readonly TimeSpan DefaultInterval = TimeSpan.FromSeconds(30);
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(5);
    public static readonly TimeSpan MinInterval = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan MaxInterval = TimeSpan.FromDays(1);
    public static readonly TimeSpan MinTimeout = TimeSpan.FromMilliseconds(100);
    public static readonly TimeSpan MaxTimeout = TimeSpan.FromSeconds(60);

    private const int MaxNameLength = 63;
    private const int MaxUrlLength = 2048;

    public static CheckDefinition Validate(CheckRequest request, DateTimeOffset now)
    {
        var name = ValidateName(request.Name);
        var (kind, target) = (request.Http, request.Tcp) switch
        {
            ({ } url, null) => (CheckKind.Http, ValidateUrl(url)),
            (null, { } endpoint) => (CheckKind.Tcp, ValidateTcp(endpoint)),
            (null, null) => throw Invalid("a check needs a target: http (a URL) or tcp (host:port)"),
            _ => throw Invalid("give either http or tcp, not both"),
        };

        var interval = request.Interval is null ? DefaultInterval : DurationText.Parse("interval", request.Interval);
        if (interval < MinInterval || interval > MaxInterval)
        {
            throw Invalid($"interval must be between {DurationText.Format(MinInterval)} and {DurationText.Format(MaxInterval)} (got {request.Interval})");
        }

        // An unset timeout never exceeds a short interval: a run must end before the next one is due.
        var timeout = request.Timeout is null
            ? (DefaultTimeout < interval ? DefaultTimeout : interval)
            : DurationText.Parse("timeout", request.Timeout);
        if (timeout < MinTimeout || timeout > MaxTimeout)
        {
            throw Invalid($"timeout must be between {DurationText.Format(MinTimeout)} and {DurationText.Format(MaxTimeout)} (got {request.Timeout})");
        }

        if (timeout > interval)
        {
            throw Invalid($"timeout ({DurationText.Format(timeout)}) must not be longer than the interval ({DurationText.Format(interval)})");
        }

        return new CheckDefinition(name, kind, target, interval.TotalSeconds, timeout.TotalSeconds, now);
    }

    public static string ValidateName(string? name)
    {
        if (string.IsNullOrEmpty(name))
        {
            throw Invalid("a check needs a name");
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

    private static string ValidateUrl(string url)
    {
        if (url.Length > MaxUrlLength)
        {
            throw Invalid($"http URL is longer than {MaxUrlLength} characters");
        }

        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || uri.Host.Length == 0)
        {
            throw Invalid($"http must be an absolute http:// or https:// URL with a host (got '{Shorten(url)}')");
        }

        if (!string.IsNullOrEmpty(uri.UserInfo))
        {
            // The target is shown in status and the log; a password there would leak.
            throw Invalid("http URL must not carry user:password@");
        }

        return uri.AbsoluteUri;
    }

    private static string ValidateTcp(string endpoint)
    {
        var text = endpoint.Trim();
        var colon = text.LastIndexOf(':');
        if (colon <= 0 || colon == text.Length - 1)
        {
            throw Invalid($"tcp must be host:port (got '{Shorten(endpoint)}')");
        }

        var host = text[..colon];
        var portText = text[(colon + 1)..];
        if (!int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
        {
            throw Invalid($"tcp port must be 1-65535 (got '{Shorten(portText)}')");
        }

        if (host.StartsWith('[') && host.EndsWith(']'))
        {
            if (!IPAddress.TryParse(host[1..^1], out var v6) || v6.AddressFamily != System.Net.Sockets.AddressFamily.InterNetworkV6)
            {
                throw Invalid($"tcp host '{Shorten(host)}' is not an IPv6 address");
            }

            return $"[{v6}]:{port}";
        }

        if (host.Contains(':', StringComparison.Ordinal))
        {
            throw Invalid("tcp: write an IPv6 address in brackets, e.g. [fd00::5]:5432");
        }

        if (host.Split('.').Length == 4 && IPAddress.TryParse(host, out var v4))
        {
            return $"{v4}:{port}";
        }

        if (Uri.CheckHostName(host) != UriHostNameType.Dns)
        {
            throw Invalid($"tcp host '{Shorten(host)}' is not a host name or IP address");
        }

        return $"{host}:{port}";
    }

    private static string Shorten(string text) => text.Length <= 80 ? text : text[..80] + "…";

    private static KoiException Invalid(string message) => new(KoiErrorCode.InvalidRequest, message);
}
