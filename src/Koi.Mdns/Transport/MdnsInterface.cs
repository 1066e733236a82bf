using System.Net;
using System.Net.Sockets;
using Koi.Core.Net;

namespace Koi.Mdns.Transport;

/// <summary>A network interface the engine speaks mDNS on, with the addresses its host records announce there.</summary>
/// <param name="Subnets">The on-link prefixes of its addresses (address and prefix length), to tell on-link sources.</param>
internal sealed record MdnsInterface(int Index, string Name, IReadOnlyList<IPAddress> IPv4, IReadOnlyList<IPAddress> IPv6, IReadOnlyList<IPNetwork>? Subnets = null)
{
    /// <summary>
    /// True when <paramref name="source"/> is on this interface's link (RFC 6762 §11): link-local, one of its own
    /// addresses, or inside one of its subnets. When the subnets are unknown (the system did not say) every source
    /// counts as on-link rather than the responder going silent.
    /// </summary>
    public bool IsOnLink(IPAddress source)
    {
        var plain = IpRanges.Normalize(source);
        if (IpRanges.IsLinkLocal(plain) || Subnets is not { Count: > 0 } subnets || Owns(plain))
        {
            return true;
        }

        foreach (var subnet in subnets)
        {
            if (subnet.Contains(plain))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The prefix <paramref name="address"/>/<paramref name="prefixLength"/> lies in (host bits cleared).</summary>
    public static IPNetwork SubnetOf(IPAddress address, int prefixLength)
    {
        Span<byte> bytes = stackalloc byte[16];
        _ = address.TryWriteBytes(bytes, out var length);
        bytes = bytes[..length];
        prefixLength = Math.Clamp(prefixLength, 0, length * 8);
        for (var bit = prefixLength; bit < length * 8; bit++)
        {
            bytes[bit / 8] &= (byte)~(0x80 >> (bit % 8));
        }

        return new IPNetwork(new IPAddress(bytes), prefixLength);
    }

    /// <summary>True when <paramref name="address"/> is one of this interface's own (scope ids ignored).</summary>
    public bool Owns(IPAddress address)
    {
        var plain = IpRanges.Normalize(address);
        var list = plain.AddressFamily == AddressFamily.InterNetwork ? IPv4 : IPv6;
        Span<byte> wanted = stackalloc byte[16];
        Span<byte> candidate = stackalloc byte[16];
        _ = plain.TryWriteBytes(wanted, out var length);
        foreach (var own in list)
        {
            if (own.TryWriteBytes(candidate, out var ownLength) && ownLength == length && candidate[..length].SequenceEqual(wanted[..length]))
            {
                return true;
            }
        }

        return false;
    }
}
