namespace Koi.Proxy.Routing;

/// <summary>
/// The names under which clients reach an entry (docs/proxy.md, "Names"): <c>grafana.lan</c> — the service alias every
/// koi DNS server makes of an announced <c>_grafana._tcp</c> — <c>grafana-stone-05.lan</c>, the alias of this
/// machine's instance, and <c>grafana.local</c>. On a port shared by several entries these are what SNI is matched to.
/// </summary>
internal static class ServedNames
{
    private const int MaxLabel = 63;

    /// <summary>A DNS-SD service name has at most 15 characters (RFC 6763 §7.2).</summary>
    public const int MaxServiceName = 15;

    public static IReadOnlyList<string> For(string name, string host, string zone)
    {
        var label = name.ToLowerInvariant();
        var names = new List<string>(3) { $"{label}.{zone}" };
        var instance = $"{label}-{host.ToLowerInvariant()}";
        if (IsDnsLabel(instance))
        {
            names.Add($"{instance}.{zone}");
        }

        names.Add($"{label}.local");
        return names;
    }

    /// <summary>
    /// Why <paramref name="name"/> cannot be announced as <c>_NAME._tcp</c> and become <c>NAME.ZONE</c>, or null when it can:
    /// a DNS label (RFC 1123 §2.1) of at most 15 characters with a letter (a DNS-SD service name, RFC 6763 §7.2).
    /// </summary>
    public static string? AliasProblem(string name) =>
        !IsDnsLabel(name) ? $"'{name}' is not a DNS label (letters, digits and inner '-' only)"
        : name.Length > MaxServiceName ? $"'{name}' is longer than the {MaxServiceName} characters a DNS-SD service name may have"
        : !name.Any(char.IsAsciiLetter) ? $"'{name}' needs a letter to be a DNS-SD service name"
        : null;

    /// <summary>A host name label (RFC 1123 §2.1): letters, digits and inner hyphens, 1-63 characters.</summary>
    public static bool IsDnsLabel(string text)
    {
        if (text.Length is 0 or > MaxLabel || text[0] == '-' || text[^1] == '-')
        {
            return false;
        }

        foreach (var c in text)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c != '-')
            {
                return false;
            }
        }

        return true;
    }
}
