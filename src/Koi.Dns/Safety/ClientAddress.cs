using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace Koi.Dns.Safety;

/// <summary>
/// A client's IP address as a 128-bit value (IPv4 as <c>::ffff:a.b.c.d</c>), read straight from the socket address so
/// the hot path allocates no <see cref="IPAddress"/> per query.
/// </summary>
internal readonly record struct ClientAddress(UInt128 Value)
{
    private const ulong MappedPrefix = 0x0000_FFFF_0000_0000UL;

    public bool IsIPv4 => (ulong)(Value >> 64) == 0 && ((ulong)Value & 0xFFFF_FFFF_0000_0000UL) == MappedPrefix;

    /// <summary>The IPv4 address in host order; meaningful only when <see cref="IsIPv4"/>.</summary>
    public uint IPv4 => (uint)Value;

    public static ClientAddress FromIPv4(uint address) => new(((UInt128)MappedPrefix) | address);

    public static ClientAddress From(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        Span<byte> bytes = stackalloc byte[16];
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            _ = address.TryWriteBytes(bytes, out _);
            return FromIPv4(BinaryPrimitives.ReadUInt32BigEndian(bytes));
        }

        _ = address.TryWriteBytes(bytes, out _);
        return new ClientAddress(BinaryPrimitives.ReadUInt128BigEndian(bytes));
    }

    /// <summary>
    /// Reads the native sockaddr: the address sits at offset 4 (sockaddr_in) or 8 (sockaddr_in6) on every platform .NET
    /// runs on.
    /// </summary>
    public static ClientAddress From(SocketAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        var buffer = address.Buffer.Span;
        return address.Family == AddressFamily.InterNetworkV6
            ? new ClientAddress(BinaryPrimitives.ReadUInt128BigEndian(buffer.Slice(8, 16)))
            : FromIPv4(BinaryPrimitives.ReadUInt32BigEndian(buffer.Slice(4, 4)));
    }

    /// <summary>A raw sockaddr as the kernel wrote it: sockaddr_in6 (28 bytes) or else sockaddr_in (16).</summary>
    public static ClientAddress FromSockaddr(ReadOnlySpan<byte> sockaddr) => sockaddr.Length >= 24
        ? new ClientAddress(BinaryPrimitives.ReadUInt128BigEndian(sockaddr.Slice(8, 16)))
        : FromIPv4(BinaryPrimitives.ReadUInt32BigEndian(sockaddr.Slice(4, 4)));

    public IPAddress ToIPAddress()
    {
        if (IsIPv4)
        {
            Span<byte> v4 = stackalloc byte[4];
            BinaryPrimitives.WriteUInt32BigEndian(v4, IPv4);
            return new IPAddress(v4);
        }

        Span<byte> v6 = stackalloc byte[16];
        BinaryPrimitives.WriteUInt128BigEndian(v6, Value);
        return new IPAddress(v6);
    }

    public override string ToString() => ToIPAddress().ToString();
}
