using Koi.Core.Errors;
using Koi.Dns.Protocol;

namespace Koi.Mdns.Naming;

/// <summary>
/// A DNS-SD service type such as <c>_http._tcp</c> (RFC 6763 §7, names per RFC 6335 §5.1): 1–15 letters, digits and
/// hyphens, at least one letter, no hyphen at either end or twice in a row, then <c>_tcp</c> or <c>_udp</c>.
/// </summary>
internal static class ServiceTypeName
{
    public const int MaxServiceNameLength = 15;

    /// <summary>Parses <c>_http._tcp</c>, <c>_http._tcp.local</c> or with a trailing dot; throws invalid_request naming the rule.</summary>
    public static DnsName Parse(string? text)
    {
        var error = Validate(text, out var name);
        return error is null ? name! : throw new KoiException(KoiErrorCode.InvalidRequest, error);
    }

    public static string? Validate(string? text, out DnsName? name)
    {
        name = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            return "service type is required, e.g. _http._tcp";
        }

        var trimmed = text.Trim();
        if (trimmed.EndsWith('.'))
        {
            trimmed = trimmed[..^1];
        }

        if (trimmed.EndsWith(".local", StringComparison.OrdinalIgnoreCase))
        {
            trimmed = trimmed[..^".local".Length];
        }

        var dot = trimmed.IndexOf('.', StringComparison.Ordinal);
        if (dot < 0 || trimmed.IndexOf('.', dot + 1) >= 0)
        {
            return $"service type '{text}' must have the form _name._tcp or _name._udp";
        }

        var service = trimmed[..dot];
        var protocol = trimmed[(dot + 1)..];
        if (!protocol.Equals("_tcp", StringComparison.OrdinalIgnoreCase) && !protocol.Equals("_udp", StringComparison.OrdinalIgnoreCase))
        {
            return $"service type '{text}' must end in ._tcp or ._udp";
        }

        if (!service.StartsWith('_'))
        {
            return $"service type '{text}' must start with an underscore, e.g. _http._tcp";
        }

        var serviceError = ValidateServiceName(service[1..]);
        if (serviceError is not null)
        {
            return $"service type '{text}': {serviceError}";
        }

        name = DnsName.Parse($"{service}.{protocol.ToLowerInvariant()}.local");
        return null;
    }

    /// <summary>The presentation without domain, e.g. <c>_http._tcp</c>.</summary>
    public static string Format(DnsName serviceType)
    {
        var text = serviceType.ToString();
        return text.EndsWith(".local", StringComparison.OrdinalIgnoreCase) ? text[..^".local".Length] : text;
    }

    private static string? ValidateServiceName(string service)
    {
        if (service.Length is 0 or > MaxServiceNameLength)
        {
            return $"the service name must be 1 to {MaxServiceNameLength} characters, not {service.Length}";
        }

        var hasLetter = false;
        for (var i = 0; i < service.Length; i++)
        {
            var c = service[i];
            if (char.IsAsciiLetter(c))
            {
                hasLetter = true;
            }
            else if (c == '-')
            {
                if (i == 0 || i == service.Length - 1 || service[i - 1] == '-')
                {
                    return "the service name may not start or end with a hyphen or contain two in a row";
                }
            }
            else if (!char.IsAsciiDigit(c))
            {
                return $"the service name may contain only letters, digits and hyphens, not '{c}'";
            }
        }

        return hasLetter ? null : "the service name must contain at least one letter";
    }
}
