using System.Net;
using System.Net.Sockets;
using Koi.Core.Net;

namespace Koi.Mdns.Transport;

/// <summary>A network interface the engine speaks mDNS on, with the addresses its host records announce there.</summary>
internal sealed record MdnsInterface(int Index, string Name, IReadOnlyList<IPAddress> IPv4, IReadOnlyList<IPAddress> IPv6)
{
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
