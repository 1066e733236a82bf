using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Koi.Core.Errors;

namespace Koi.Certmesh.Issuing;

/// <summary>
/// Decides the SANs of a machine's certificate: its hostname, <c>host.local</c>, <c>host.&lt;zone&gt;</c> and its LAN
/// addresses, each checked against the mesh's scope (domain and subnet).
/// </summary>
internal static class SanPolicy
{
    /// <summary>
    /// The SANs for <paramref name="hostname"/>. Under a root with name constraints (<paramref name="constrained"/>)
    /// the bare label is left out — a single-label name cannot lie inside a DNS subtree, and one such SAN would make
    /// clients reject the whole certificate — and so are addresses outside the local scope.
    /// </summary>
    public static SanSet For(string hostname, string zone, IReadOnlyList<IPAddress> addresses, string? domainScope, bool constrained = false)
    {
        var label = hostname.ToLowerInvariant();
        var names = new List<string> { label, $"{label}.local", $"{label}.{zone}" };
        if (domainScope is not null && !names.Contains($"{label}.{domainScope}"))
        {
            names.Add($"{label}.{domainScope}");
        }

        if (constrained)
        {
            names.Remove(label);
            return new SanSet(names, [.. addresses.Where(NameScope.Permits)]);
        }

        return new SanSet(names, [.. addresses]);
    }

    /// <summary>
    /// Names or addresses outside the scope; empty when all are inside (or no scope is set). The machine's own
    /// generated names (label, <c>label.local</c>, <c>label.zone</c>) identify the machine itself and are always allowed;
    /// every other name must lie inside the scope domain.
    /// </summary>
    public static IReadOnlyList<string> OutOfScope(SanSet sans, string hostname, string zone, string? domainScope, string? subnetScope)
    {
        var refused = new List<string>();
        if (domainScope is not null)
        {
            var label = hostname.ToLowerInvariant();
            string[] own = [label, $"{label}.local", $"{label}.{zone}"];
            foreach (var name in sans.DnsNames)
            {
                var inside = own.Contains(name, StringComparer.OrdinalIgnoreCase)
                    || name.EndsWith("." + domainScope, StringComparison.OrdinalIgnoreCase)
                    || name.Equals(domainScope, StringComparison.OrdinalIgnoreCase);
                if (!inside)
                {
                    refused.Add(name);
                }
            }
        }

        if (subnetScope is not null && TryParseSubnet(subnetScope, out var network))
        {
            foreach (var address in sans.Addresses)
            {
                if (!network.Contains(address))
                {
                    refused.Add(address.ToString());
                }
            }
        }

        return refused;
    }

    public static bool TryParseSubnet(string text, out IPNetwork network) => IPNetwork.TryParse(text.Trim(), out network);

    public static void ValidateDomain(string domain)
    {
        var labels = domain.Split('.');
        foreach (var label in labels)
        {
            if (label.Length is 0 or > 63 || !label.All(c => char.IsAsciiLetterOrDigit(c) || c == '-') || label[0] == '-' || label[^1] == '-')
            {
                throw new KoiException(KoiErrorCode.InvalidRequest, $"'{domain}' is not a valid domain name");
            }
        }
    }

    /// <summary>The /24 (IPv4) of the first LAN address, as team meshes infer their subnet scope.</summary>
    public static string? InferSubnet(IReadOnlyList<IPAddress> addresses)
    {
        foreach (var address in addresses)
        {
            if (address.AddressFamily == AddressFamily.InterNetwork)
            {
                var bytes = address.GetAddressBytes();
                return string.Create(CultureInfo.InvariantCulture, $"{bytes[0]}.{bytes[1]}.{bytes[2]}.0/24");
            }
        }

        return null;
    }
}
