using Koi.Dns.Protocol.Records;
using static Koi.Dns.Protocol.Tests.TestBytes;

namespace Koi.Dns.Protocol.Tests;

public class DnsMessageReaderTests
{
    private const string OneQuestion = "0000 0000 0001 0000 0000 0000";

    [Fact]
    public void Read_EveryHeaderBitSet_DecodesEachField()
    {
        var message = DnsMessageReader.Read(Hex("BEEF 97B3 0000 0000 0000 0000"));

        var header = message.Header;
        Assert.Equal(0xBEEF, header.Id);
        Assert.True(header.IsResponse);
        Assert.Equal(DnsOpcode.Status, header.Opcode);
        Assert.True(header.IsAuthoritativeAnswer);
        Assert.True(header.IsTruncated);
        Assert.True(header.RecursionDesired);
        Assert.True(header.RecursionAvailable);
        Assert.True(header.AuthenticData);
        Assert.True(header.CheckingDisabled);
        Assert.Equal(DnsResponseCode.NameError, header.ResponseCode);
        Assert.Empty(message.Questions);
    }

    [Fact]
    public void ReadHeader_QueryPacket_ReadsOnlyTheHeader()
    {
        var header = DnsMessageReader.ReadHeader(Hex("1234 0100 FFFF FFFF FFFF FFFF"));

        Assert.Equal(0x1234, header.Id);
        Assert.False(header.IsResponse);
        Assert.True(header.RecursionDesired);
    }

    [Fact]
    public void Read_AnyQuestionWithTopClassBit_SetsUnicastResponse()
    {
        var message = DnsMessageReader.Read(Hex(OneQuestion + "03 6B6F69 05 6C6F63616C 00  00FF 8001"));

        var question = Assert.Single(message.Questions);
        Assert.Equal(DnsName.Parse("koi.local"), question.Name);
        Assert.Equal(DnsType.ANY, question.Type);
        Assert.Equal(DnsClass.IN, question.Class);
        Assert.True(question.UnicastResponse);
    }

    [Fact]
    public void Read_RecordWithTopClassBit_SetsCacheFlush()
    {
        var message = DnsMessageReader.Read(Hex("0000 8400 0000 0001 0000 0000  00 0001 8001 00000078 0004 0A000001"));

        var record = Assert.Single(message.Answers);
        Assert.True(record.CacheFlush);
        Assert.Equal(DnsClass.IN, record.Class);
        Assert.Equal(120u, record.Ttl);
    }

    [Fact]
    public void Read_ShorterThanHeader_ThrowsUnexpectedEndOfPacket()
    {
        Assert.Equal(DnsFormatError.UnexpectedEndOfPacket, ReadError(Hex("0000 0000 0000 0000 00")));
    }

    [Theory]
    [InlineData("0000 0000 FFFF 0000 0000 0000")]
    [InlineData("0000 0000 0000 0001 0000 0000 00 0001 0001 00000000 00")]
    [InlineData("0000 0000 0000 FFFF FFFF FFFF 00")]
    public void Read_CountsLargerThanPacket_ThrowsCountExceedsPacket(string hex)
    {
        Assert.Equal(DnsFormatError.CountExceedsPacket, ReadError(Hex(hex)));
    }

    [Fact]
    public void Read_PointerToItself_ThrowsCompressionPointerLoop()
    {
        Assert.Equal(DnsFormatError.CompressionPointerLoop, ReadError(Hex(OneQuestion + "C00C 0001 0001")));
    }

    [Fact]
    public void Read_PointerBackToStartOfOwnName_ThrowsCompressionPointerLoop()
    {
        Assert.Equal(DnsFormatError.CompressionPointerLoop, ReadError(Hex(OneQuestion + "03 666F6F C00C 0001 0001")));
    }

    [Fact]
    public void Read_SecondNamePointingAtItselfAfterValidFirstName_ThrowsCompressionPointerLoop()
    {
        // Question 1 at 12: "a."; question 2 at 19: "b" then a pointer to 19, its own start.
        var packet = Hex("0000 0000 0002 0000 0000 0000  01 61 00 0001 0001  01 62 C013 0001 0001");

        Assert.Equal(DnsFormatError.CompressionPointerLoop, ReadError(packet));
    }

    [Fact]
    public void Read_MutualPointers_ThrowsInsteadOfLooping()
    {
        // 12 → 14 → 12: the first hop already goes forward.
        var error = ReadError(Hex(OneQuestion + "C00E C00C 0001 0001"));

        Assert.Equal(DnsFormatError.ForwardCompressionPointer, error);
    }

    [Fact]
    public void Read_ForwardPointer_ThrowsForwardCompressionPointer()
    {
        Assert.Equal(DnsFormatError.ForwardCompressionPointer, ReadError(Hex(OneQuestion + "C00E 00 0001 0001")));
    }

    [Fact]
    public void Read_PointerToPointer_FollowsChain()
    {
        // Q1 at 12 "a."; Q2 at 19 "b" + pointer to 12; Q3 at 27 points at Q2's pointer (offset 21).
        var packet = Hex("0000 0000 0003 0000 0000 0000  01 61 00 0001 0001  01 62 C00C 0001 0001  C015 0001 0001");

        var message = DnsMessageReader.Read(packet);

        Assert.Equal(["a", "b.a", "a"], message.Questions.Select(q => q.Name.ToString()));
    }

    [Theory]
    [InlineData(127, DnsFormatError.None)]
    [InlineData(128, DnsFormatError.TooManyCompressionPointers)]
    [InlineData(4000, DnsFormatError.TooManyCompressionPointers)]
    public void Read_ChainOfPointersToPointers_LimitedPerName(int pointers, DnsFormatError expected)
    {
        // Answer 1 (type 99, kept raw) carries a root label at 23 and a chain of pointers, each aiming at the one
        // before. Answer 2's owner is one more pointer, to the end of the chain.
        var chain = new List<byte> { 0 };
        var target = 23;
        for (var i = 1; i < pointers; i++)
        {
            var at = 23 + chain.Count;
            chain.AddRange([(byte)(0xC0 | (target >> 8)), (byte)target]);
            target = at;
        }

        byte[] packet =
        [
            .. Hex("0000 8400 0000 0002 0000 0000  00 0063 0001 00000000"),
            (byte)(chain.Count >> 8), (byte)chain.Count,
            .. chain,
            (byte)(0xC0 | (target >> 8)), (byte)target,
            .. Hex("0063 0001 00000000 0000"),
        ];

        var ok = DnsMessageReader.TryRead(packet, out var message, out var error);

        Assert.Equal(expected, error);
        Assert.Equal(expected == DnsFormatError.None, ok);
        Assert.True(!ok || message!.Answers[1].Name.IsRoot);
    }

    [Fact]
    public void Read_LengthByte64_ThrowsLabelTooLong()
    {
        var packet = Hex(OneQuestion + "40" + new string('6', 128) + "00 0001 0001");

        Assert.Equal(DnsFormatError.LabelTooLong, ReadError(packet));
    }

    [Fact]
    public void Read_ReservedLabelType_ThrowsLabelTooLong()
    {
        Assert.Equal(DnsFormatError.LabelTooLong, ReadError(Hex(OneQuestion + "80 00 0001 0001")));
    }

    [Fact]
    public void Read_Name256BytesInline_ThrowsNameTooLong()
    {
        var packet = Hex(OneQuestion + Labels(63, 63, 63, 62) + "00 0001 0001");

        Assert.Equal(DnsFormatError.NameTooLong, ReadError(packet));
    }

    [Fact]
    public void Read_Name256BytesThroughPointer_ThrowsNameTooLong()
    {
        // Q1 is 193 bytes of labels plus root; Q2 adds a 62-byte label in front of it: 63 + 193 = 256.
        var packet = Hex("0000 0000 0002 0000 0000 0000" + Labels(63, 63, 63) + "00 0001 0001" + Labels(62) + "C00C 0001 0001");

        Assert.Equal(DnsFormatError.NameTooLong, ReadError(packet));
    }

    [Fact]
    public void Read_Name255BytesThroughPointer_Succeeds()
    {
        var packet = Hex("0000 0000 0002 0000 0000 0000" + Labels(63, 63, 63) + "00 0001 0001" + Labels(61) + "C00C 0001 0001");

        var message = DnsMessageReader.Read(packet);

        Assert.Equal(DnsName.MaxLength, message.Questions[1].Name.WireLength);
    }

    [Fact]
    public void Read_LabelRunsPastEnd_ThrowsUnexpectedEndOfPacket()
    {
        Assert.Equal(DnsFormatError.UnexpectedEndOfPacket, ReadError(Hex(OneQuestion + "05 6162 0001")));
    }

    [Fact]
    public void Read_NamesDifferingInCase_CompareEqual()
    {
        var packet = Hex("0000 0000 0002 0000 0000 0000  04 484F5354 05 4C4F43414C 00 0001 0001  04 686F7374 05 6C6F63616C 00 0001 0001");

        var message = DnsMessageReader.Read(packet);

        Assert.Equal("HOST.LOCAL", message.Questions[0].Name.ToString());
        Assert.Equal(message.Questions[0].Name, message.Questions[1].Name);
    }

    [Fact]
    public void Read_RdlengthPastEndOfPacket_ThrowsUnexpectedEndOfPacket()
    {
        var packet = Hex("0000 8400 0000 0001 0000 0000  00 0001 0001 00000078 0010 0A000001");

        Assert.Equal(DnsFormatError.UnexpectedEndOfPacket, ReadError(packet));
    }

    [Fact]
    public void Read_NameInRdataPastRdlength_ThrowsRecordDataLengthMismatch()
    {
        var packet = Hex("0000 8400 0000 0001 0000 0000  00 000C 0001 00000078 0002 03666F6F00");

        Assert.Equal(DnsFormatError.RecordDataLengthMismatch, ReadError(packet));
    }

    [Fact]
    public void Read_BytesAfterLastRecord_AreIgnored()
    {
        var packet = Hex("0000 8400 0000 0001 0000 0000  00 0001 0001 00000078 0004 0A000001  DEADBEEF");

        Assert.Single(DnsMessageReader.Read(packet).Answers);
    }

    [Fact]
    public void Read_OptInAdditional_LiftsItIntoEdns()
    {
        var packet = Hex("0000 0000 0000 0000 0000 0002  00 0001 0001 00000078 0004 0A000001  00 0029 04D0 01028000 0008 000A 0004 01020304");

        var message = DnsMessageReader.Read(packet);

        Assert.Single(message.Additionals);
        var edns = Assert.IsType<OptRecord>(message.Edns);
        Assert.Equal(1232, edns.UdpPayloadSize);
        Assert.Equal(1, edns.ExtendedResponseCode);
        Assert.Equal(2, edns.Version);
        Assert.True(edns.DnssecOk);
        var option = Assert.Single(edns.Options);
        Assert.Equal(10, option.Code);
        Assert.Equal(new byte[] { 1, 2, 3, 4 }, option.Data.ToArray());
    }

    [Theory]
    [InlineData("0000 0000 0000 0001 0000 0000  00 0029 1000 00000000 0000")]
    [InlineData("0000 0000 0000 0000 0000 0001  01 61 00 0029 1000 00000000 0000")]
    [InlineData("0000 0000 0000 0000 0000 0002  00 0029 1000 00000000 0000  00 0029 1000 00000000 0000")]
    public void Read_MisplacedOrDuplicateOpt_ThrowsInvalidOptRecord(string hex)
    {
        Assert.Equal(DnsFormatError.InvalidOptRecord, ReadError(Hex(hex)));
    }

    [Fact]
    public void TryRead_MalformedPacket_ReturnsFalseWithReason()
    {
        var ok = DnsMessageReader.TryRead(Hex(OneQuestion + "C00C 0001 0001"), out var message, out var error);

        Assert.False(ok);
        Assert.Null(message);
        Assert.Equal(DnsFormatError.CompressionPointerLoop, error);
    }

    [Fact]
    public void Read_DecodedMessage_DoesNotAliasThePacket()
    {
        var packet = SingleAnswer(DnsType.TXT, "03 616263");
        var message = DnsMessageReader.Read(packet);

        Array.Clear(packet);

        Assert.Equal("abc"u8.ToArray(), Assert.IsType<TxtRecordData>(message.Answers[0].Data).Strings[0].ToArray());
    }

    private static string Labels(params int[] lengths) =>
        string.Concat(lengths.Select(length => length.ToString("X2") + new string('6', 2 * length)));
}
