using System.Buffers.Binary;
using Koi.Dns.Protocol;

namespace Koi.Dns.Resolving;

/// <summary>
/// A zone answer kept in wire form, so that the next plain query for the same name and type is answered by copying it:
/// the header's flags and counts, and every byte after the question. The question is the query's own (a plain query
/// for a zone name spells it as the zone does, and the names after it point into it), and the ID and the RD and CD
/// bits come from the query (RFC 1035 §4.1.1, RFC 4035 §3.2.2). Made by <see cref="QueryHandler"/> from the response it
/// built the usual way, so both give the same bytes; a truncated response is never kept.
/// </summary>
internal sealed class WireAnswer
{
    private const int CountsSize = 8;
    private const ushort EchoedFlags = (ushort)(DnsHeaderFlags.RecursionDesired | DnsHeaderFlags.CheckingDisabled);

    private readonly ushort _flags;
    private readonly byte[] _countsAndRest;

    private WireAnswer(ushort flags, byte[] countsAndRest)
    {
        _flags = flags;
        _countsAndRest = countsAndRest;
    }

    /// <summary>The answer in <paramref name="response"/> (a whole message whose question is <paramref name="questionLength"/> bytes), or null when it was truncated.</summary>
    public static WireAnswer? From(ReadOnlySpan<byte> response, int questionLength)
    {
        var flags = BinaryPrimitives.ReadUInt16BigEndian(response[2..]);
        if ((flags & (ushort)DnsHeaderFlags.Truncated) != 0)
        {
            return null;
        }

        var rest = response[(DnsHeader.Size + questionLength)..];
        var countsAndRest = new byte[CountsSize + rest.Length];
        response[4..DnsHeader.Size].CopyTo(countsAndRest);
        rest.CopyTo(countsAndRest.AsSpan(CountsSize));
        return new WireAnswer((ushort)(flags & ~EchoedFlags), countsAndRest);
    }

    /// <summary>
    /// Writes the answer to the query with <paramref name="id"/>, <paramref name="queryFlags"/> and
    /// <paramref name="question"/> (its name, type and class in wire form); false, writing nothing, when it would be longer
    /// than <paramref name="limit"/> (the query is then answered the usual way, truncated).
    /// </summary>
    public bool TryWrite(ushort id, ushort queryFlags, ReadOnlySpan<byte> question, int limit, Span<byte> response, out int length)
    {
        length = DnsHeader.Size + question.Length + _countsAndRest.Length - CountsSize;
        if (length > limit || length > response.Length)
        {
            return false;
        }

        BinaryPrimitives.WriteUInt16BigEndian(response, id);
        BinaryPrimitives.WriteUInt16BigEndian(response[2..], (ushort)(_flags | (queryFlags & EchoedFlags)));
        _countsAndRest.AsSpan(0, CountsSize).CopyTo(response[4..]);
        question.CopyTo(response[DnsHeader.Size..]);
        _countsAndRest.AsSpan(CountsSize).CopyTo(response[(DnsHeader.Size + question.Length)..]);
        return true;
    }
}
