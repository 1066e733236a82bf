using Koi.Dns.Protocol.Records;
using static Koi.Dns.Protocol.Tests.TestBytes;

namespace Koi.Dns.Protocol.Tests.Records;

public class UnknownRecordDataTests
{
    [Fact]
    public void Read_UndecodedType_KeepsRawBytes()
    {
        var data = ReadSingleAnswerData<UnknownRecordData>((DnsType)99, "DEADBEEF");

        Assert.Equal((DnsType)99, data.Type);
        Assert.Equal(Hex("DEADBEEF"), data.Data.ToArray());
        Assert.Equal(@"\# 4 DEADBEEF", data.ToString());
    }

    [Fact]
    public void Read_AnyTypeAsRecord_KeptRaw()
    {
        var data = ReadSingleAnswerData<UnknownRecordData>(DnsType.ANY, "");

        Assert.Equal(DnsType.ANY, data.Type);
        Assert.True(data.Data.IsEmpty);
    }

    [Fact]
    public void ToUncompressedRdata_RawBytes_Unchanged()
    {
        Assert.Equal(Hex("0102"), new UnknownRecordData((DnsType)99, Hex("0102")).ToUncompressedRdata());
    }

    [Theory]
    [InlineData(DnsType.A)]
    [InlineData(DnsType.TXT)]
    [InlineData(DnsType.OPT)]
    public void Constructor_TypeWithDecoder_Throws(DnsType type)
    {
        Assert.Throws<ArgumentException>(() => new UnknownRecordData(type, Hex("0102")));
    }
}
