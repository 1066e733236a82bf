using System.Net;

namespace Koi.Mdns.Transport;

/// <summary>RFC 6762 §3: the well-known port and groups.</summary>
internal static class MdnsWellKnown
{
    public const int Port = 5353;

    public static IPAddress GroupV4 { get; } = IPAddress.Parse("224.0.0.251");

    public static IPAddress GroupV6 { get; } = IPAddress.Parse("ff02::fb");
}
