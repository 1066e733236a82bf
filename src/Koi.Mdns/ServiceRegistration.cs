namespace Koi.Mdns;

/// <summary>
/// A service to announce. Validated by <see cref="MdnsEngine.RegisterAsync"/>, which throws
/// <see cref="Core.Errors.KoiException"/> (invalid_request) naming the rule a field breaks.
/// </summary>
public sealed record ServiceRegistration
{
    /// <summary>Instance label, e.g. <c>My App</c>: 1–63 bytes of UTF-8, no control characters.</summary>
    public required string Name { get; init; }

    /// <summary>Service type, e.g. <c>_http._tcp</c> (<c>.local</c> optional).</summary>
    public required string Type { get; init; }

    /// <summary>1–65535.</summary>
    public required int Port { get; init; }

    /// <summary>TXT properties; each <c>key=value</c> at most 255 bytes, keys printable ASCII without <c>=</c>.</summary>
    public IReadOnlyDictionary<string, string>? Txt { get; init; }

    /// <summary>
    /// Host label for the SRV target (<c>HOST.local</c>). Null: this machine's host name, or, when
    /// <see cref="Addresses"/> are given, a label made from <see cref="Name"/>.
    /// </summary>
    public string? Host { get; init; }

    /// <summary>Fixed addresses for the host (e.g. a device koi announces for). Null: this machine's addresses per interface.</summary>
    public IReadOnlyList<string>? Addresses { get; init; }
}
