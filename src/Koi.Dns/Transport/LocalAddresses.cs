using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using Koi.Core.Net;

namespace Koi.Dns.Transport;

/// <summary>This machine's addresses, for the default listen set and to recognise koi's own address among upstreams.</summary>
internal static class LocalAddresses
{
    /// <summary>
    /// The default listen set: private addresses of interfaces that are up, plus loopback so the machine
    /// itself can use koi. Public addresses are left out so koi is never exposed to the internet by default, and IPv6
    /// link-local ones because they need a scope no client can name in resolv.conf.
    /// </summary>
    public static IReadOnlyList<IPAddress> DefaultListen()
    {
        var result = new List<IPAddress> { IPAddress.Loopback };
        foreach (var address in InterfaceAddresses())
        {
            var linkLocalV4 = address.AddressFamily == AddressFamily.InterNetwork && IpRanges.IsLinkLocal(address);
            if ((IpRanges.IsPrivate(address) || linkLocalV4) && !result.Contains(address))
            {
                result.Add(address);
            }
        }

        return result;
    }

    public static bool IsLocal(IPAddress address)
    {
        foreach (var local in InterfaceAddresses())
        {
            if (local.Equals(address))
            {
                return true;
            }
        }

        return false;
    }

    private static List<IPAddress> InterfaceAddresses()
    {
        var result = new List<IPAddress>();
        try
        {
            foreach (var nic in NetworkInterface.GetAllNetworkInterfaces())
            {
                if (nic.OperationalStatus is not (OperationalStatus.Up or OperationalStatus.Unknown))
                {
                    continue;
                }

                foreach (var unicast in nic.GetIPProperties().UnicastAddresses)
                {
                    if (unicast.Address.AddressFamily is AddressFamily.InterNetwork or AddressFamily.InterNetworkV6)
                    {
                        result.Add(unicast.Address);
                    }
                }
            }
        }
        catch (NetworkInformationException)
        {
            // No interface list (a restricted sandbox): loopback alone still works.
        }

        return result;
    }
}
