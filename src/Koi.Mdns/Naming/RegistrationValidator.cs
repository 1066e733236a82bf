using System.Net;
using System.Net.Sockets;
using Koi.Core.Errors;
using Koi.Dns.Protocol;
using Koi.Dns.Protocol.Records;

namespace Koi.Mdns.Naming;

/// <summary>A registration that passed every rule, in the engine's terms.</summary>
internal sealed record ValidRegistration(
    string Label,
    DnsName ServiceType,
    ushort Port,
    TxtRecordData Txt,
    IReadOnlyDictionary<string, string> TxtProperties,
    string? HostLabel,
    IReadOnlyList<IPAddress>? Addresses);

/// <summary>Checks a <see cref="ServiceRegistration"/>; every failure is invalid_request naming the rule.</summary>
internal static class RegistrationValidator
{
    public static ValidRegistration Validate(ServiceRegistration registration)
    {
        ArgumentNullException.ThrowIfNull(registration);
        InstanceName.Validate(registration.Name);
        var type = ServiceTypeName.Parse(registration.Type);
        if (registration.Port is < 1 or > ushort.MaxValue)
        {
            throw new KoiException(KoiErrorCode.InvalidRequest, $"port must be 1 to 65535, not {registration.Port}");
        }

        var txt = TxtProperties.Encode(registration.Txt);
        var addresses = ParseAddresses(registration.Addresses);
        var host = registration.Host is null ? null : Naming.HostLabel.Validate(registration.Host);
        if (host is null && addresses is not null)
        {
            host = Naming.HostLabel.Sanitize(registration.Name) ?? "device";
        }

        return new ValidRegistration(
            registration.Name,
            type,
            (ushort)registration.Port,
            txt,
            registration.Txt ?? new Dictionary<string, string>(),
            host,
            addresses);
    }

    private static List<IPAddress>? ParseAddresses(IReadOnlyList<string>? texts)
    {
        if (texts is null || texts.Count == 0)
        {
            return null;
        }

        var list = new List<IPAddress>(texts.Count);
        foreach (var text in texts)
        {
            if (!IPAddress.TryParse(text, out var address) ||
                address.AddressFamily is not (AddressFamily.InterNetwork or AddressFamily.InterNetworkV6))
            {
                throw new KoiException(KoiErrorCode.InvalidRequest, $"ip '{text}' is not an IPv4 or IPv6 address");
            }

            if (address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any) || IsMulticast(address))
            {
                throw new KoiException(KoiErrorCode.InvalidRequest, $"ip '{text}' must be a unicast address");
            }

            list.Add(address.AddressFamily == AddressFamily.InterNetworkV6 ? new IPAddress(address.GetAddressBytes()) : address);
        }

        return list;
    }

    private static bool IsMulticast(IPAddress address) => address.AddressFamily == AddressFamily.InterNetworkV6
        ? address.IsIPv6Multicast
        : (address.GetAddressBytes()[0] & 0xF0) == 0xE0;
}
