using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Koi.Dns.Forwarding;

/// <summary>
/// Message ids for upstream queries. Random from a CSPRNG so an off-path attacker cannot guess the id of a forwarded
/// query and slip a forged answer in first (RFC 5452). Each thread draws random bytes in blocks, so an id costs a
/// buffer read rather than a call into the system's generator.
/// </summary>
internal static class QueryIds
{
    private const int BlockSize = 256;

    [ThreadStatic]
    private static byte[]? t_block;

    [ThreadStatic]
    private static int t_used;

    public static ushort Next()
    {
        var block = t_block;
        if (block is null)
        {
            block = t_block = new byte[BlockSize];
            t_used = BlockSize;
        }

        if (t_used > BlockSize - 2)
        {
            RandomNumberGenerator.Fill(block);
            t_used = 0;
        }

        var id = BinaryPrimitives.ReadUInt16BigEndian(block.AsSpan(t_used));
        t_used += 2;
        return id;
    }
}
