using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using Koi.Core.Net;

namespace Koi.Certmesh;

/// <summary>The machine's LAN addresses: up, not loopback, not container bridges, not link-local.</summary>
public static class LanAddresses
{
    private static readonly string[] VirtualPrefixes = ["docker", "br-", "veth", "virbr", "cni", "flannel", "podman", "lxc", "lxd", "vmnet", "tailscale", "zt"];

    public static IReadOnlyList<IPAddress> Discover()
    {
        var list = new List<IPAddress>();
        foreach (var nic in NetworkInterface.GetAllNetworkInterfaces())
        {
            if (nic.OperationalStatus != OperationalStatus.Up || nic.NetworkInterfaceType == NetworkInterfaceType.Loopback
                || Array.Exists(VirtualPrefixes, p => nic.Name.StartsWith(p, StringComparison.OrdinalIgnoreCase)))
            {
                continue;
            }

            foreach (var unicast in nic.GetIPProperties().UnicastAddresses)
            {
                var address = unicast.Address;
                if (IsLan(address) && !list.Contains(address))
                {
                    list.Add(address);
                }
            }
        }

        // IPv4 first: it is what most clients dial and what DNS answers with first.
        list.Sort((a, b) => a.AddressFamily.CompareTo(b.AddressFamily));
        return list;
    }

    internal static bool IsLan(IPAddress address)
    {
        return address.AddressFamily is AddressFamily.InterNetwork or AddressFamily.InterNetworkV6
            && !address.IsIPv6Multicast && !IpRanges.IsLoopback(address) && !IpRanges.IsLinkLocal(address);
    }
}
