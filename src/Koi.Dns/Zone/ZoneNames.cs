using System.Diagnostics.CodeAnalysis;
using Koi.Dns.Protocol;

namespace Koi.Dns.Zone;

/// <summary>The rules for names koi puts in its zone: host-name syntax (letters, digits, inner hyphens), lower case.</summary>
internal static class ZoneNames
{
    public const int MaxNameLength = 253;

    /// <summary>A valid host label (RFC 1123 §2.1), lower-cased; null when <paramref name="label"/> is not one.</summary>
    public static string? HostLabel(string? label)
    {
        if (string.IsNullOrEmpty(label) || label.Length > DnsName.MaxLabelLength || label[0] == '-' || label[^1] == '-')
        {
            return null;
        }

        foreach (var c in label)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c != '-')
            {
                return null;
            }
        }

        return label.ToLowerInvariant();
    }

    /// <summary>A name made of host labels, lower-cased, without trailing dot; null otherwise.</summary>
    public static string? HostName(string? name)
    {
        if (string.IsNullOrEmpty(name))
        {
            return null;
        }

        var trimmed = name.EndsWith('.') ? name[..^1] : name;
        if (trimmed.Length is 0 or > MaxNameLength)
        {
            return null;
        }

        var labels = trimmed.Split('.');
        for (var i = 0; i < labels.Length; i++)
        {
            var label = HostLabel(labels[i]);
            if (label is null)
            {
                return null;
            }

            labels[i] = label;
        }

        return string.Join('.', labels);
    }

    /// <summary>
    /// A name a user typed for the zone: <c>nas</c> and <c>nas.lan</c> both mean <c>nas.lan</c> in zone <c>lan</c>.
    /// </summary>
    public static bool TryQualify(string? name, string zone, [NotNullWhen(true)] out string? fullName, [NotNullWhen(false)] out string? error)
    {
        fullName = null;
        var normal = HostName(name);
        if (normal is null)
        {
            error = $"'{name}' is not a valid host name: labels of 1-63 letters, digits and inner hyphens, at most {MaxNameLength} characters";
            return false;
        }

        if (normal == zone)
        {
            error = $"'{name}' is the zone apex itself; add a name inside it, e.g. nas.{zone}";
            return false;
        }

        fullName = normal.EndsWith("." + zone, StringComparison.Ordinal) ? normal : $"{normal}.{zone}";
        if (fullName.Length > MaxNameLength)
        {
            error = $"'{fullName}' is longer than {MaxNameLength} characters";
            fullName = null;
            return false;
        }

        error = null;
        return true;
    }

    /// <summary>The first label of an mDNS host name (<c>stone-05.local.</c> → <c>stone-05</c>), when it is a host label.</summary>
    public static string? HostLabelOfMdnsHost(string? host)
    {
        if (string.IsNullOrEmpty(host))
        {
            return null;
        }

        var dot = host.IndexOf('.', StringComparison.Ordinal);
        return HostLabel(dot < 0 ? host : host[..dot]);
    }

    /// <summary><c>_grafana._tcp</c> → (<c>grafana</c>, <c>_tcp</c>); null when the type is not of that shape.</summary>
    public static (string Service, string Protocol)? SplitServiceType(string? type)
    {
        if (string.IsNullOrEmpty(type))
        {
            return null;
        }

        var parts = type.TrimEnd('.').Split('.');
        if (parts.Length < 2 || parts[0].Length < 2 || parts[0][0] != '_' || parts[1] is not ("_tcp" or "_udp"))
        {
            return null;
        }

        var service = HostLabel(parts[0][1..]);
        return service is null ? null : (service, parts[1]);
    }
}
