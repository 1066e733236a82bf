using System.Text;
using Koi.Core.Errors;
using Koi.Dns.Protocol;

namespace Koi.Mdns.Naming;

/// <summary>
/// Service instance labels (RFC 6763 §4.1.1): any UTF-8 text of 1–63 bytes without control characters, and the
/// <c>Name (2)</c> form used when a name is taken (RFC 6762 §9).
/// </summary>
internal static class InstanceName
{
    public static void Validate(string? label)
    {
        if (string.IsNullOrEmpty(label))
        {
            throw new KoiException(KoiErrorCode.InvalidRequest, "instance name is required");
        }

        var bytes = Encoding.UTF8.GetByteCount(label);
        if (bytes > DnsName.MaxLabelLength)
        {
            throw new KoiException(
                KoiErrorCode.InvalidRequest, $"instance name must be at most {DnsName.MaxLabelLength} bytes of UTF-8, not {bytes}");
        }

        foreach (var c in label)
        {
            if (char.IsControl(c))
            {
                throw new KoiException(KoiErrorCode.InvalidRequest, "instance name may not contain control characters");
            }
        }
    }

    /// <summary><c>Name</c> → <c>Name (2)</c> → <c>Name (3)</c>, shortening the base so the label stays within 63 bytes.</summary>
    public static string Next(string label)
    {
        var number = 2;
        var baseName = label;
        if (label.EndsWith(')'))
        {
            var open = label.LastIndexOf(" (", StringComparison.Ordinal);
            if (open > 0 && int.TryParse(label.AsSpan(open + 2, label.Length - open - 3), out var current) && current >= 2)
            {
                number = current + 1;
                baseName = label[..open];
            }
        }

        var suffix = $" ({number})";
        return Truncate(baseName, DnsName.MaxLabelLength - suffix.Length) + suffix;
    }

    /// <summary>The full instance name <c>label.type</c>.</summary>
    public static DnsName Combine(string label, DnsName serviceType) => serviceType.Prepend(label);

    /// <summary>Splits <c>My App._http._tcp[.local]</c> into instance and type; throws invalid_request when it is not one.</summary>
    public static DnsName ParseFullName(string? text)
    {
        if (string.IsNullOrWhiteSpace(text) || !DnsName.TryParse(text.Trim(), out var name))
        {
            throw new KoiException(KoiErrorCode.InvalidRequest, $"'{text}' is not a service instance name such as 'My App._http._tcp.local'");
        }

        if (!name.IsSubdomainOf(MdnsNames.Local))
        {
            name = AppendLocal(name);
        }

        if (name.LabelCount != 4 || !MdnsNames.IsServiceType(name.Parent))
        {
            throw new KoiException(
                KoiErrorCode.InvalidRequest,
                $"'{text}' is not a service instance name such as 'My App._http._tcp' (a dot inside the instance label is written \\.)");
        }

        return name;
    }

    /// <summary>The first label as text.</summary>
    public static string LabelOf(DnsName instance) => Encoding.UTF8.GetString(instance.GetLabel(0));

    private static DnsName AppendLocal(DnsName name)
    {
        var result = MdnsNames.Local;
        for (var i = name.LabelCount - 1; i >= 0; i--)
        {
            result = result.Prepend(name.GetLabel(i));
        }

        return result;
    }

    internal static string Truncate(string text, int maxBytes)
    {
        if (Encoding.UTF8.GetByteCount(text) <= maxBytes)
        {
            return text;
        }

        var end = text.Length;
        while (end > 0 && Encoding.UTF8.GetByteCount(text.AsSpan(0, end)) > maxBytes)
        {
            end--;
            if (end > 0 && char.IsLowSurrogate(text[end]))
            {
                end--;
            }
        }

        return text[..end];
    }
}
