using System.Diagnostics.CodeAnalysis;
using Koi.Dns.Protocol.Records;
using Koi.Dns.Protocol.Wire;

namespace Koi.Dns.Protocol;

/// <summary>
/// Decodes packets into <see cref="DnsMessage"/>s. Whatever the bytes, it either succeeds or throws
/// <see cref="DnsFormatException"/>, and its work is bounded by the packet's length. The message shares no memory with
/// the packet, so the receive buffer can be reused at once. Bytes after the last record are ignored.
/// </summary>
public static class DnsMessageReader
{
    // The smallest question is a root name and two 16-bit fields; the smallest record adds a TTL and an RDLENGTH.
    private const int MinQuestionSize = 1 + 2 + 2;
    private const int MinRecordSize = 1 + 2 + 2 + 4 + 2;

    public static DnsMessage Read(ReadOnlySpan<byte> packet)
    {
        var reader = new DnsWireReader(packet);
        var header = DnsHeader.FromWire(reader.ReadUInt16(), reader.ReadUInt16());
        int questionCount = reader.ReadUInt16();
        int answerCount = reader.ReadUInt16();
        int authorityCount = reader.ReadUInt16();
        int additionalCount = reader.ReadUInt16();

        // Checked before anything is allocated, so a lying header cannot make the reader reserve memory.
        var minimumSize = (questionCount * MinQuestionSize) + ((answerCount + authorityCount + additionalCount) * MinRecordSize);
        if (minimumSize > reader.Remaining)
        {
            throw new DnsFormatException(DnsFormatError.CountExceedsPacket, 4);
        }

        var questions = new DnsQuestion[questionCount];
        for (var i = 0; i < questions.Length; i++)
        {
            questions[i] = ReadQuestion(ref reader);
        }

        OptRecord? edns = null;
        var answers = ReadSection(ref reader, answerCount, DnsSection.Answer, ref edns);
        var authorities = ReadSection(ref reader, authorityCount, DnsSection.Authority, ref edns);
        var additionals = ReadSection(ref reader, additionalCount, DnsSection.Additional, ref edns);
        return new DnsMessage
        {
            Header = header,
            Questions = questions,
            Answers = answers,
            Authorities = authorities,
            Additionals = additionals,
            Edns = edns,
        };
    }

    public static bool TryRead(ReadOnlySpan<byte> packet, [NotNullWhen(true)] out DnsMessage? message, out DnsFormatError error)
    {
        try
        {
            message = Read(packet);
            error = DnsFormatError.None;
            return true;
        }
        catch (DnsFormatException exception)
        {
            message = null;
            error = exception.Reason;
            return false;
        }
    }

    /// <summary>Only the header, e.g. to drop responses early; the rest of the packet is not looked at.</summary>
    public static DnsHeader ReadHeader(ReadOnlySpan<byte> packet)
    {
        var reader = new DnsWireReader(packet);
        return DnsHeader.FromWire(reader.ReadUInt16(), reader.ReadUInt16());
    }

    private static DnsQuestion ReadQuestion(ref DnsWireReader reader)
    {
        var name = reader.ReadName();
        var type = (DnsType)reader.ReadUInt16();
        var wireClass = reader.ReadUInt16();
        return new DnsQuestion(name, type, DnsClassBits.ClassOf(wireClass), DnsClassBits.TopBitOf(wireClass));
    }

    private static DnsResourceRecord[] ReadSection(ref DnsWireReader reader, int count, DnsSection section, ref OptRecord? edns)
    {
        if (count == 0)
        {
            return [];
        }

        var records = new List<DnsResourceRecord>(count);
        for (var i = 0; i < count; i++)
        {
            var recordOffset = reader.Position;
            var name = reader.ReadName();
            var type = (DnsType)reader.ReadUInt16();
            var wireClass = reader.ReadUInt16();
            var ttl = reader.ReadUInt32();
            int length = reader.ReadUInt16();
            var outerLimit = reader.BeginRecordData(length);
            if (type == DnsType.OPT)
            {
                if (section != DnsSection.Additional || !name.IsRoot || edns is not null)
                {
                    throw new DnsFormatException(DnsFormatError.InvalidOptRecord, recordOffset);
                }

                edns = OptRecord.ReadFrom(ref reader, wireClass, ttl);
            }
            else
            {
                var data = RecordDataReader.Read(ref reader, type, length);
                records.Add(new DnsResourceRecord(name, ttl, data, DnsClassBits.ClassOf(wireClass), DnsClassBits.TopBitOf(wireClass)));
            }

            reader.EndRecordData(outerLimit);
        }

        return records.ToArray();
    }
}
