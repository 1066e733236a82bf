using Koi.Dns.Protocol.Records;
using static Koi.Dns.Protocol.Tests.TestBytes;

namespace Koi.Dns.Protocol.Tests.Records;

public class TxtRecordDataTests
{
    [Fact]
    public void Read_TwoStrings_GivesBothInOrder()
    {
        var data = ReadSingleAnswerData<TxtRecordData>(DnsType.TXT, "06 706174683D2F 03 763D31");

        Assert.Equal(TxtRecordData.FromStrings("path=/", "v=1"), data);
        Assert.Equal("\"path=/\" \"v=1\"", data.ToString());
    }

    [Fact]
    public void Constructor_NoStrings_IsOneEmptyString()
    {
        var data = new TxtRecordData();

        Assert.Equal(0, Assert.Single(data.Strings).Length);
        Assert.Equal(Hex("00"), data.ToUncompressedRdata());
    }

    [Theory]
    [InlineData("00")]
    [InlineData("")]
    public void Read_SingleZeroByteOrNoRdata_EqualsEmptyRecord(string rdata)
    {
        Assert.Equal(new TxtRecordData(), ReadSingleAnswerData<TxtRecordData>(DnsType.TXT, rdata));
    }

    [Fact]
    public void Read_StringLongerThanRdata_ThrowsRecordDataLengthMismatch()
    {
        Assert.Equal(DnsFormatError.RecordDataLengthMismatch, ReadError(SingleAnswer(DnsType.TXT, "05 6162")));
    }

    [Fact]
    public void Constructor_String256Bytes_Throws()
    {
        Assert.Throws<ArgumentException>(() => new TxtRecordData(new byte[256]));
        Assert.Equal(256, new TxtRecordData(new byte[255]).ToUncompressedRdata().Length);
    }

    [Fact]
    public void Constructor_CallerChangesArrayAfterwards_RecordUnchanged()
    {
        var bytes = "a=1"u8.ToArray();
        var data = new TxtRecordData(bytes);

        bytes[0] = (byte)'b';

        Assert.Equal(TxtRecordData.FromStrings("a=1"), data);
    }
}
