using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;

namespace Koi.Mdns.Transport;

/// <summary>
/// Picks the interfaces mDNS runs on. By default: up, multicast-capable, not loopback, and not a container bridge,
/// whose "LAN" is a handful of containers and would only get our announcements duplicated.
/// </summary>
internal static class InterfaceSelector
{
    public static IReadOnlyList<MdnsInterface> Select(IReadOnlyList<string> explicitNames, bool enableIPv6, out string? problem)
    {
        var result = new List<MdnsInterface>();
        var missing = new List<string>(explicitNames);
        foreach (var nic in NetworkInterface.GetAllNetworkInterfaces())
        {
            var named = Contains(explicitNames, nic.Name);
            if (named)
            {
                missing.Remove(nic.Name);
            }

            if (explicitNames.Count > 0 ? !named : !IsDefaultCandidate(nic))
            {
                continue;
            }

            // Dummy and some virtual links report "unknown" rather than "up" while working fine.
            if (nic.OperationalStatus is not (OperationalStatus.Up or OperationalStatus.Unknown) || !nic.SupportsMulticast)
            {
                continue;
            }

            var candidate = Describe(nic, enableIPv6);
            if (candidate is not null)
            {
                result.Add(candidate);
            }
        }

        problem = missing.Count > 0
            ? $"interface not found: {string.Join(", ", missing)}"
            : result.Count == 0 ? "no usable interface (up, multicast-capable, with an address)" : null;
        return result;
    }

    /// <summary>The default rule, separate so it can be tested without the machine's interfaces.</summary>
    public static bool IsExcludedByDefault(string name) =>
        name.Equals("docker0", StringComparison.Ordinal) ||
        name.StartsWith("br-", StringComparison.Ordinal) ||
        name.StartsWith("veth", StringComparison.Ordinal);

    private static bool IsDefaultCandidate(NetworkInterface nic) =>
        nic.NetworkInterfaceType != NetworkInterfaceType.Loopback && !IsExcludedByDefault(nic.Name);

    private static MdnsInterface? Describe(NetworkInterface nic, bool enableIPv6)
    {
        IPInterfaceProperties properties;
        try
        {
            properties = nic.GetIPProperties();
        }
        catch (NetworkInformationException)
        {
            return null;
        }

        var index = IndexOf(() => properties.GetIPv4Properties()?.Index);

        var v4 = new List<IPAddress>();
        var v6 = new List<IPAddress>();
        var subnets = new List<IPNetwork>();
        foreach (var unicast in properties.UnicastAddresses)
        {
            var address = unicast.Address;
            if (address.AddressFamily == AddressFamily.InterNetwork)
            {
                v4.Add(address);
            }
            else if (enableIPv6 && address.AddressFamily == AddressFamily.InterNetworkV6)
            {
                v6.Add(address);
            }
            else
            {
                continue;
            }

            if (PrefixLength(unicast) is { } prefix)
            {
                subnets.Add(MdnsInterface.SubnetOf(address, prefix));
            }
        }

        if (index < 0)
        {
            index = IndexOf(() => properties.GetIPv6Properties()?.Index);
        }

        return index < 0 || (v4.Count == 0 && v6.Count == 0) ? null : new MdnsInterface(index, nic.Name, v4, v6, subnets);
    }

    private static int? PrefixLength(UnicastIPAddressInformation unicast)
    {
        try
        {
            return unicast.PrefixLength;
        }
        catch (Exception ex) when (ex is PlatformNotSupportedException or NetworkInformationException)
        {
            return null;
        }
    }

    // Either family's properties throw on an interface without that family, depending on the platform.
    private static int IndexOf(Func<int?> read)
    {
        try
        {
            return read() ?? -1;
        }
        catch (NetworkInformationException)
        {
            return -1;
        }
        catch (PlatformNotSupportedException)
        {
            return -1;
        }
    }

    private static bool Contains(IReadOnlyList<string> names, string name)
    {
        foreach (var candidate in names)
        {
            if (candidate.Equals(name, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }
}
