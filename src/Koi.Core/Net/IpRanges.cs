using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace Koi.Core.Net;

/// <summary>
/// The product's one definition of which addresses are loopback, link-local and private (docs/security.md). Every
/// capability and the daemon ask here, so "is this a LAN address" has one answer everywhere.
/// <list type="bullet">
/// <item>Loopback: 127.0.0.0/8 and ::1 (RFC 1122 §3.2.1.3, RFC 4291 §2.5.3).</item>
/// <item>Link-local: 169.254.0.0/16 and fe80::/10 (RFC 3927, RFC 4291 §2.5.6) — valid on one link only.</item>
/// <item>Private: 10/8, 172.16/12, 192.168/16 (RFC 1918), 100.64/10 (RFC 6598) and fc00::/7 (RFC 4193) — routable
/// inside a site, never on the internet. Loopback and link-local are <em>not</em> private: they never name a machine
/// to another one.</item>
/// <item>Local scope: loopback, link-local or private — an address that can only be reached from nearby.</item>
/// </list>
/// IPv4-mapped IPv6 addresses (::ffff:a.b.c.d) are classified as the IPv4 address they carry. The
/// <see cref="UInt128"/> overloads take that mapped form directly, so hot paths classify without allocating.
/// </summary>
public static class IpRanges
{
    private const ulong MappedPrefix = 0x0000_FFFF_0000_0000UL;

    /// <summary>
    /// The local-scope ranges as networks — private, loopback and link-local, IPv4 then IPv6 — for what needs them
    /// as data (a CA's name constraints); <see cref="IsLocalScope(IPAddress)"/> answers the same question.
    /// </summary>
    public static readonly IReadOnlyList<IPNetwork> LocalScopeNetworks =
    [
        IPNetwork.Parse("10.0.0.0/8"),
        IPNetwork.Parse("172.16.0.0/12"),
        IPNetwork.Parse("192.168.0.0/16"),
        IPNetwork.Parse("100.64.0.0/10"),
        IPNetwork.Parse("127.0.0.0/8"),
        IPNetwork.Parse("169.254.0.0/16"),
        IPNetwork.Parse("fc00::/7"),
        IPNetwork.Parse("::1/128"),
        IPNetwork.Parse("fe80::/10"),
    ];

    /// <summary>The address as a 128-bit big-endian value, IPv4 in its mapped form; no allocation.</summary>
    public static UInt128 ToMapped(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        Span<byte> bytes = stackalloc byte[16];
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            _ = address.TryWriteBytes(bytes, out _);
            return ((UInt128)MappedPrefix) | BinaryPrimitives.ReadUInt32BigEndian(bytes);
        }

        _ = address.TryWriteBytes(bytes, out _);
        return BinaryPrimitives.ReadUInt128BigEndian(bytes);
    }

    /// <summary>An IPv4-mapped IPv6 address as plain IPv4; any other address unchanged.</summary>
    public static IPAddress Normalize(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        return address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
    }

    public static bool IsLoopback(IPAddress address) => IsLoopback(ToMapped(address));

    public static bool IsLinkLocal(IPAddress address) => IsLinkLocal(ToMapped(address));

    public static bool IsPrivate(IPAddress address) => IsPrivate(ToMapped(address));

    public static bool IsLocalScope(IPAddress address) => IsLocalScope(ToMapped(address));

    public static bool IsLoopback(UInt128 address) => TryIPv4(address, out var v4)
        ? (v4 >> 24) == 127
        : address == UInt128.One;

    public static bool IsLinkLocal(UInt128 address) => TryIPv4(address, out var v4)
        ? (v4 >> 16) == ((169u << 8) | 254)                 // 169.254.0.0/16
        : (High(address) >> 54) == (0xFE80UL >> 6);         // fe80::/10

    public static bool IsPrivate(UInt128 address)
    {
        if (TryIPv4(address, out var v4))
        {
            return (v4 >> 24) == 10 ||
                   (v4 >> 20) == ((172u << 4) | 1) ||       // 172.16.0.0/12
                   (v4 >> 16) == ((192u << 8) | 168) ||     // 192.168.0.0/16
                   (v4 >> 22) == ((100u << 2) | 1);         // 100.64.0.0/10
        }

        return (High(address) >> 57) == (0xFC00UL >> 9);    // fc00::/7
    }

    public static bool IsLocalScope(UInt128 address) => IsPrivate(address) || IsLoopback(address) || IsLinkLocal(address);

    /// <summary>
    /// The key a per-source limit counts under: an IPv4 address as it is, an IPv6 address by its /64. One host on a
    /// LAN gets a whole /64 (RFC 4291 §2.5.4, SLAAC) and can pick any address in it, so counting IPv6 addresses one by
    /// one would let a single machine (or a spoofer) fill any table.
    /// </summary>
    public static UInt128 SourceBucket(UInt128 address) => TryIPv4(address, out _)
        ? address
        : address & ~(UInt128)ulong.MaxValue;

    public static UInt128 SourceBucket(IPAddress address) => SourceBucket(ToMapped(address));

    /// <summary>True for an IPv4 address (in mapped form), with the address in host order.</summary>
    public static bool TryIPv4(UInt128 address, out uint v4)
    {
        v4 = (uint)address;
        return (ulong)(address >> 64) == 0 && ((ulong)address & 0xFFFF_FFFF_0000_0000UL) == MappedPrefix;
    }

    private static ulong High(UInt128 address) => (ulong)(address >> 64);
}
