using System.Buffers.Binary;
using Koi.Dns.Protocol;

namespace Koi.Dns.Resolving;

/// <summary>
/// The few facts forwarding needs from raw packets, without decoding them: where the (single, uncompressed) question
/// ends, and whether a response answers the question asked. Upstream answers are passed through byte for byte, so
/// records the codec does not know survive untouched.
/// </summary>
internal static class PacketInspection
{
    public const int HeaderSize = 12;

    /// <summary>The offset just past the first question, or -1 when the packet has no well-formed first question.</summary>
    public static int FirstQuestionEnd(ReadOnlySpan<byte> packet)
    {
        if (packet.Length < HeaderSize || BinaryPrimitives.ReadUInt16BigEndian(packet[4..]) == 0)
        {
            return -1;
        }

        // Queries carry their question in full; a pointer or reserved label type here is not a query koi forwards.
        var nameLength = DnsWireNames.Length(packet, HeaderSize);
        var end = HeaderSize + nameLength + 4;
        return nameLength > 0 && end <= packet.Length ? end : -1;
    }

    /// <summary>
    /// True when <paramref name="response"/> is a response with exactly the question of <paramref name="query"/> (ASCII
    /// case aside, since upstreams may randomise it). <paramref name="questionEnd"/> is the query's.
    /// </summary>
    public static bool AnswersQuestion(ReadOnlySpan<byte> query, int questionEnd, ReadOnlySpan<byte> response)
    {
        if (response.Length < questionEnd ||
            (response[2] & 0x80) == 0 ||
            BinaryPrimitives.ReadUInt16BigEndian(response[4..]) != 1)
        {
            return false;
        }

        for (var i = HeaderSize; i < questionEnd; i++)
        {
            if (ToLower(query[i]) != ToLower(response[i]))
            {
                return false;
            }
        }

        return true;
    }

    public static ushort Id(ReadOnlySpan<byte> packet) => BinaryPrimitives.ReadUInt16BigEndian(packet);

    public static bool IsTruncated(ReadOnlySpan<byte> packet) => packet.Length >= HeaderSize && (packet[2] & 0x02) != 0;

    /// <summary>
    /// A response built from the query's header and question alone: SERVFAIL when upstreams fail, or an empty answer
    /// with TC set when the real one would not fit the client's UDP size (it retries over TCP).
    /// </summary>
    public static int WriteHeaderOnlyResponse(ReadOnlySpan<byte> query, int questionEnd, Span<byte> response, byte responseCode, bool truncated)
    {
        query[..questionEnd].CopyTo(response);
        // QR, keep opcode and RD; AA clear; TC as asked.
        response[2] = (byte)(0x80 | (query[2] & 0x79) | (truncated ? 0x02 : 0));
        // RA set (koi offers forwarding), Z/AD/CD cleared except CD as asked, RCODE.
        response[3] = (byte)(0x80 | (query[3] & 0x10) | (responseCode & 0x0F));
        BinaryPrimitives.WriteUInt16BigEndian(response[4..], 1);
        BinaryPrimitives.WriteUInt16BigEndian(response[6..], 0);
        BinaryPrimitives.WriteUInt16BigEndian(response[8..], 0);
        BinaryPrimitives.WriteUInt16BigEndian(response[10..], 0);
        return questionEnd;
    }

    private static byte ToLower(byte b) => b is >= (byte)'A' and <= (byte)'Z' ? (byte)(b | 0x20) : b;
}
