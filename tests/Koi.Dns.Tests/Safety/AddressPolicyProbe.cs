using Koi.Dns.Safety;

namespace Koi.Dns.Tests.Safety;

internal static class AddressPolicyProbe
{
    public static bool IsPrivate(string address) => AddressPolicy.IsPrivate(IPAddress.Parse(address));
}
