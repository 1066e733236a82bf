using System.Net;
using Koi.Dns.Protocol.Records;
using static Koi.Dns.Protocol.Tests.TestBytes;

namespace Koi.Dns.Protocol.Tests;

public class DnsMessageWriterTests
{
    private static readonly DnsName KoiLocal = DnsName.Parse("koi.local");

    [Fact]
    public void Write_AnswerRepeatingQuestionName_PointsBackToQuestion()
    {
        var message = new DnsMessage
        {
            Header = new DnsHeader { IsResponse = true, IsAuthoritativeAnswer = true },
            Questions = [new DnsQuestion(KoiLocal, DnsType.A)],
            Answers = [new DnsResourceRecord(KoiLocal, 120, new ARecordData(IPAddress.Parse("10.0.0.1")))],
        };

        var wire = DnsMessageWriter.Write(message);

        var expected = Hex("""
            0000 8400 0001 0001 0000 0000
            03 6B6F69 05 6C6F63616C 00  0001 0001
            C00C 0001 0001 00000078 0004 0A000001
            """);
        Assert.Equal(expected, wire);
    }

    [Fact]
    public void Write_CompressionNone_WritesEveryNameInFull()
    {
        var message = new DnsMessage
        {
            Questions = [new DnsQuestion(KoiLocal, DnsType.A)],
            Answers = [new DnsResourceRecord(KoiLocal, 120, new ARecordData(IPAddress.Parse("10.0.0.1")))],
        };

        var wire = DnsMessageWriter.Write(message, DnsCompressionMode.None);

        Assert.Equal(12 + (11 + 4) + (11 + 10 + 4), wire.Length);
        Assert.DoesNotContain((byte)0xC0, wire);
    }

    [Fact]
    public void Write_SrvTarget_CompressedOnlyInMulticastMode()
    {
        var instance = DnsName.Parse("x._http._tcp.local");
        var message = new DnsMessage
        {
            Answers =
            [
                new DnsResourceRecord(instance, 120, new SrvRecordData(0, 0, 80, DnsName.Parse("host.local"))),
            ],
        };

        var standard = DnsMessageWriter.Write(message, DnsCompressionMode.Standard);
        var multicast = DnsMessageWriter.Write(message, DnsCompressionMode.Multicast);

        // In multicast mode "local" (7 bytes) becomes a 2-byte pointer to the owner's "local".
        Assert.Equal(standard.Length - 5, multicast.Length);
        Assert.Equal(DnsMessageReader.Read(standard), DnsMessageReader.Read(multicast));
    }

    [Fact]
    public void Write_SameNameInOtherCase_KeepsEachSpelling()
    {
        var message = new DnsMessage
        {
            Answers =
            [
                new DnsResourceRecord(DnsName.Parse("My App._http._tcp.local"), 120, new TxtRecordData()),
                new DnsResourceRecord(DnsName.Parse("my app._http._tcp.local"), 120, new TxtRecordData()),
            ],
        };

        var decoded = DnsMessageReader.Read(DnsMessageWriter.Write(message));

        Assert.Equal("My App._http._tcp.local", decoded.Answers[0].Name.ToString());
        Assert.Equal("my app._http._tcp.local", decoded.Answers[1].Name.ToString());
    }

    [Fact]
    public void Write_EmptyTxt_IsOneZeroByte()
    {
        var message = new DnsMessage { Answers = [new DnsResourceRecord(DnsName.Root, 0, new TxtRecordData())] };

        var wire = DnsMessageWriter.Write(message);

        Assert.Equal(Hex("0001 00"), wire[^3..]);
    }

    [Fact]
    public void TryAddRecord_PacketFull_ReturnsFalseAndKeepsWhatFit()
    {
        var buffer = new byte[512];
        var writer = new DnsMessageWriter(buffer);
        var added = new List<DnsResourceRecord>();
        for (var i = 0; ; i++)
        {
            var record = new DnsResourceRecord(DnsName.Parse($"host-{i}.example"), 60, new ARecordData(IPAddress.Loopback));
            if (!writer.TryAddRecord(DnsSection.Answer, record))
            {
                break;
            }

            added.Add(record);
        }

        var length = writer.Complete(new DnsHeader { IsResponse = true, IsTruncated = true });

        Assert.InRange(length, 512 - 30, 512);
        var decoded = DnsMessageReader.Read(buffer.AsSpan(0, length));
        Assert.True(decoded.Header.IsTruncated);
        Assert.Equal(added, decoded.Answers);
        Assert.Equal(added.Count, writer.Count(DnsSection.Answer));
    }

    [Fact]
    public void TryAddRecord_AfterRecordThatDidNotFit_DoesNotPointIntoDiscardedBytes()
    {
        var name = DnsName.Parse("bbb.example");
        var buffer = new byte[100];
        var writer = new DnsMessageWriter(buffer);
        Assert.True(writer.TryAddRecord(DnsSection.Answer, new DnsResourceRecord(DnsName.Parse("aaa.example"), 60, new ARecordData(IPAddress.Loopback))));
        var tooBig = new DnsResourceRecord(name, 60, new TxtRecordData(new byte[200]));
        Assert.False(writer.TryAddRecord(DnsSection.Answer, tooBig));

        var small = new DnsResourceRecord(name, 60, new ARecordData(IPAddress.Loopback));
        Assert.True(writer.TryAddRecord(DnsSection.Answer, small));
        var length = writer.Complete(default);

        var decoded = DnsMessageReader.Read(buffer.AsSpan(0, length));
        Assert.Equal(small, decoded.Answers[1]);
    }

    [Fact]
    public void TryWrite_DestinationTooSmall_ReturnsFalse()
    {
        var message = new DnsMessage { Answers = [new DnsResourceRecord(KoiLocal, 60, new TxtRecordData(new byte[100]))] };

        Assert.False(DnsMessageWriter.TryWrite(message, new byte[64], out var written));
        Assert.Equal(0, written);
    }

    [Fact]
    public void Write_LargerThan64K_Throws()
    {
        var record = new DnsResourceRecord(KoiLocal, 60, new UnknownRecordData((DnsType)99, new byte[1000]));
        var message = new DnsMessage { Answers = Enumerable.Repeat(record, 70).ToArray() };

        Assert.Throws<ArgumentException>(() => DnsMessageWriter.Write(message));
    }

    [Fact]
    public void TryAddQuestion_AfterAnswer_ThrowsInvalidOperation()
    {
        var writer = new DnsMessageWriter(new byte[512]);
        writer.TryAddRecord(DnsSection.Additional, new DnsResourceRecord(KoiLocal, 60, new ARecordData(IPAddress.Loopback)));

        Assert.Throws<InvalidOperationException>(() => writer.TryAddQuestion(new DnsQuestion(KoiLocal, DnsType.A)));
        Assert.Throws<InvalidOperationException>(() => writer.TryAddRecord(DnsSection.Answer, new DnsResourceRecord(KoiLocal, 60, new ARecordData(IPAddress.Loopback))));
    }

    [Fact]
    public void TryAddEdns_Twice_ThrowsInvalidOperation()
    {
        var writer = new DnsMessageWriter(new byte[512]);
        Assert.True(writer.TryAddEdns(new OptRecord(1232)));

        Assert.Throws<InvalidOperationException>(() => writer.TryAddEdns(new OptRecord(1232)));
    }

    [Fact]
    public void Complete_Twice_ThrowsUntilReset()
    {
        var buffer = new byte[512];
        var writer = new DnsMessageWriter(buffer);
        writer.Complete(default);

        Assert.Throws<InvalidOperationException>(() => writer.Complete(default));

        writer.Reset(buffer, DnsCompressionMode.Multicast);
        Assert.True(writer.TryAddQuestion(new DnsQuestion(KoiLocal, DnsType.ANY, unicastResponse: true)));
        var length = writer.Complete(new DnsHeader { Id = 7 });
        var decoded = DnsMessageReader.Read(buffer.AsSpan(0, length));
        Assert.Equal(7, decoded.Header.Id);
        Assert.True(Assert.Single(decoded.Questions).UnicastResponse);
    }

    [Fact]
    public void Constructor_BufferSmallerThanHeader_Throws()
    {
        Assert.Throws<ArgumentException>(() => new DnsMessageWriter(new byte[11]));
    }

    [Fact]
    public void Header_FlagProperties_MapToWireBits()
    {
        var header = new DnsHeader
        {
            Id = 0xBEEF,
            IsResponse = true,
            Opcode = DnsOpcode.Status,
            IsAuthoritativeAnswer = true,
            IsTruncated = true,
            RecursionDesired = true,
            RecursionAvailable = true,
            AuthenticData = true,
            CheckingDisabled = true,
            ResponseCode = DnsResponseCode.NameError,
        };

        var wire = DnsMessageWriter.Write(new DnsMessage { Header = header });

        Assert.Equal(Hex("BEEF 97B3 0000 0000 0000 0000"), wire);
    }

    [Fact]
    public void Header_OpcodeWiderThan4Bits_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new DnsHeader { Opcode = (DnsOpcode)16 });
        Assert.Throws<ArgumentOutOfRangeException>(() => new DnsHeader { ResponseCode = (DnsResponseCode)16 });
    }

    [Fact]
    public void Record_ClassWithTopBit_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() =>
            new DnsResourceRecord(KoiLocal, 60, new ARecordData(IPAddress.Loopback), (DnsClass)0x8001));
    }
}
