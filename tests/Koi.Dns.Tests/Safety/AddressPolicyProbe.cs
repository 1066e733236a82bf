using Koi.Core.Net;
using Koi.Dns.Safety;

namespace Koi.Dns.Tests.Safety;

internal static class AddressPolicyProbe
{
    public static bool IsPrivate(string address) => IpRanges.IsLocalScope(IPAddress.Parse(address));
}
