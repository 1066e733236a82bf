using System.Text;
using Koi.Core.Errors;
using Koi.Dns.Protocol;

namespace Koi.Mdns.Naming;

/// <summary>Host labels (the HOST of <c>HOST.local</c>): letters, digits and hyphens, and the <c>host-2</c> rename form.</summary>
internal static class HostLabel
{
    public static string Validate(string? label)
    {
        if (string.IsNullOrWhiteSpace(label))
        {
            throw new KoiException(KoiErrorCode.InvalidRequest, "host name is required");
        }

        var text = label.Trim();
        if (text.EndsWith(".local", StringComparison.OrdinalIgnoreCase))
        {
            text = text[..^".local".Length];
        }

        if (text.Length is 0 or > DnsName.MaxLabelLength)
        {
            throw new KoiException(KoiErrorCode.InvalidRequest, $"host name must be 1 to {DnsName.MaxLabelLength} characters");
        }

        foreach (var c in text)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c != '-')
            {
                throw new KoiException(KoiErrorCode.InvalidRequest, $"host name may contain only letters, digits and hyphens, not '{c}'");
            }
        }

        if (text[0] == '-' || text[^1] == '-')
        {
            throw new KoiException(KoiErrorCode.InvalidRequest, "host name may not start or end with a hyphen");
        }

        return text;
    }

    /// <summary>The machine's name made into a valid label; <c>koi</c> when nothing usable is left.</summary>
    public static string FromMachineName(string machineName)
    {
        var dot = machineName.IndexOf('.', StringComparison.Ordinal);
        var text = dot > 0 ? machineName[..dot] : machineName;
        return Sanitize(text) ?? "koi";
    }

    /// <summary>A label made from free text: letters and digits kept, everything else a single hyphen.</summary>
    public static string? Sanitize(string text)
    {
        var result = new StringBuilder(Math.Min(text.Length, DnsName.MaxLabelLength));
        foreach (var c in text)
        {
            if (result.Length == DnsName.MaxLabelLength)
            {
                break;
            }

            if (char.IsAsciiLetterOrDigit(c))
            {
                result.Append(char.ToLowerInvariant(c));
            }
            else if (result.Length > 0 && result[^1] != '-')
            {
                result.Append('-');
            }
        }

        var label = result.ToString().Trim('-');
        return label.Length == 0 ? null : label;
    }

    /// <summary><c>host</c> → <c>host-2</c> → <c>host-3</c>.</summary>
    public static string Next(string label)
    {
        var number = 2;
        var baseName = label;
        var dash = label.LastIndexOf('-');
        if (dash > 0 && int.TryParse(label.AsSpan(dash + 1), System.Globalization.NumberStyles.None, null, out var current) && current >= 2)
        {
            number = current + 1;
            baseName = label[..dash];
        }

        var suffix = $"-{number}";
        var room = DnsName.MaxLabelLength - suffix.Length;
        return (baseName.Length > room ? baseName[..room] : baseName) + suffix;
    }

    public static DnsName ToName(string label) => MdnsNames.Local.Prepend(label);
}
