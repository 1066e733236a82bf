using System.Net;
using Koi.Dns.Protocol.Records;
using static Koi.Dns.Protocol.Tests.TestBytes;

namespace Koi.Dns.Protocol.Tests.Records;

public class ARecordDataTests
{
    [Fact]
    public void Read_FourBytes_GivesIPv4Address()
    {
        var data = ReadSingleAnswerData<ARecordData>(DnsType.A, "C0A8010A");

        Assert.Equal(IPAddress.Parse("192.168.1.10"), data.Address);
        Assert.Equal(DnsType.A, data.Type);
    }

    [Fact]
    public void ToUncompressedRdata_Address_IsFourBytes()
    {
        Assert.Equal(Hex("C0A8010A"), new ARecordData(IPAddress.Parse("192.168.1.10")).ToUncompressedRdata());
    }

    [Theory]
    [InlineData("C0A801")]
    [InlineData("C0A8010A00")]
    public void Read_WrongLength_ThrowsRecordDataLengthMismatch(string rdata)
    {
        Assert.Equal(DnsFormatError.RecordDataLengthMismatch, ReadError(SingleAnswer(DnsType.A, rdata)));
    }

    [Fact]
    public void Constructor_IPv6Address_Throws()
    {
        Assert.Throws<ArgumentException>(() => new ARecordData(IPAddress.IPv6Loopback));
    }
}
