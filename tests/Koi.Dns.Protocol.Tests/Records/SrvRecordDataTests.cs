using Koi.Dns.Protocol.Records;
using static Koi.Dns.Protocol.Tests.TestBytes;

namespace Koi.Dns.Protocol.Tests.Records;

public class SrvRecordDataTests
{
    private const string Srv = "0000 0005 1F90 04 686F7374 05 6C6F63616C 00";

    [Fact]
    public void Read_AllFields_Decoded()
    {
        var data = ReadSingleAnswerData<SrvRecordData>(DnsType.SRV, Srv);

        Assert.Equal(0, data.Priority);
        Assert.Equal(5, data.Weight);
        Assert.Equal(8080, data.Port);
        Assert.Equal(DnsName.Parse("host.local"), data.Target);
        Assert.Equal("0 5 8080 host.local", data.ToString());
    }

    [Fact]
    public void ToUncompressedRdata_AllFields_MatchesWire()
    {
        Assert.Equal(Hex(Srv), new SrvRecordData(0, 5, 8080, DnsName.Parse("host.local")).ToUncompressedRdata());
    }

    [Fact]
    public void Read_NoTarget_ThrowsRecordDataLengthMismatch()
    {
        Assert.Equal(DnsFormatError.RecordDataLengthMismatch, ReadError(SingleAnswer(DnsType.SRV, "0000 0005 1F90")));
    }
}
