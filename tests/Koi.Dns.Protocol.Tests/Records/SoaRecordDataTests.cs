using Koi.Dns.Protocol.Records;
using static Koi.Dns.Protocol.Tests.TestBytes;

namespace Koi.Dns.Protocol.Tests.Records;

public class SoaRecordDataTests
{
    private const string Soa = """
        02 6E73 07 6578616D706C65 03 636F6D 00
        05 61646D696E 07 6578616D706C65 03 636F6D 00
        78A3C9F5 00000E10 00000384 00093A80 0000012C
        """;

    [Fact]
    public void Read_AllFields_Decoded()
    {
        var data = ReadSingleAnswerData<SoaRecordData>(DnsType.SOA, Soa);

        Assert.Equal(DnsName.Parse("ns.example.com"), data.PrimaryNameServer);
        Assert.Equal(DnsName.Parse("admin.example.com"), data.ResponsibleMailbox);
        Assert.Equal(0x78A3C9F5u, data.Serial);
        Assert.Equal(3600u, data.Refresh);
        Assert.Equal(900u, data.Retry);
        Assert.Equal(604800u, data.Expire);
        Assert.Equal(300u, data.Minimum);
    }

    [Fact]
    public void ToUncompressedRdata_AllFields_MatchesWire()
    {
        var data = new SoaRecordData(
            DnsName.Parse("ns.example.com"),
            DnsName.Parse("admin.example.com"),
            0x78A3C9F5,
            3600,
            900,
            604800,
            300);

        Assert.Equal(Hex(Soa), data.ToUncompressedRdata());
    }

    [Fact]
    public void Read_MissingMinimum_ThrowsRecordDataLengthMismatch()
    {
        var truncated = Soa.Trim()[..^"0000012C".Length];

        Assert.Equal(DnsFormatError.RecordDataLengthMismatch, ReadError(SingleAnswer(DnsType.SOA, truncated)));
    }
}
