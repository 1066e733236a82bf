using Koi.Dns.Protocol;

namespace Koi.Mdns.Naming;

/// <summary>The fixed names of Multicast DNS and DNS-SD.</summary>
internal static class MdnsNames
{
    public static DnsName Local { get; } = DnsName.Parse("local");

    /// <summary>RFC 6763 §9: PTR records from here to every service type that is announced.</summary>
    public static DnsName ServiceEnumeration { get; } = DnsName.Parse("_services._dns-sd._udp.local");

    /// <summary>True for <c>_name._tcp.local</c> and <c>_name._udp.local</c>.</summary>
    public static bool IsServiceType(DnsName name)
    {
        if (name.LabelCount != 3 || !name.Parent.Parent.Equals(Local))
        {
            return false;
        }

        var first = name.GetLabel(0);
        var protocol = name.GetLabel(1);
        return first.Length > 1 && first[0] == (byte)'_' && IsProtocolLabel(protocol);
    }

    /// <summary>True for <c>Instance._name._tcp.local</c>: one label under a service type.</summary>
    public static bool IsInstanceOf(DnsName instance, DnsName serviceType) =>
        instance.LabelCount == serviceType.LabelCount + 1 && instance.Parent.Equals(serviceType);

    private static bool IsProtocolLabel(ReadOnlySpan<byte> label) =>
        label.Length == 4 && label[0] == (byte)'_' &&
        (System.Text.Ascii.EqualsIgnoreCase(label[1..], "tcp"u8) || System.Text.Ascii.EqualsIgnoreCase(label[1..], "udp"u8));
}
