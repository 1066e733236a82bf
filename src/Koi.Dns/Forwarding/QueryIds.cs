using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Koi.Dns.Forwarding;

/// <summary>
/// Message ids for upstream queries. Random from a CSPRNG so an off-path attacker cannot guess the id of a forwarded
/// query and slip a forged answer in first (RFC 5452).
/// </summary>
internal static class QueryIds
{
    public static ushort Next()
    {
        Span<byte> bytes = stackalloc byte[2];
        RandomNumberGenerator.Fill(bytes);
        return BinaryPrimitives.ReadUInt16BigEndian(bytes);
    }
}
