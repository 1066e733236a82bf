using Koi.Dns.Protocol.Records;
using static Koi.Dns.Protocol.Tests.TestBytes;

namespace Koi.Dns.Protocol.Tests.Records;

public class NsRecordDataTests
{
    private const string NsExampleCom = "02 6E73 07 6578616D706C65 03 636F6D 00";

    [Fact]
    public void Read_Name_GivesNameServer()
    {
        var data = ReadSingleAnswerData<NsRecordData>(DnsType.NS, NsExampleCom);

        Assert.Equal(DnsName.Parse("ns.example.com"), data.NameServer);
    }

    [Fact]
    public void ToUncompressedRdata_Name_MatchesWire()
    {
        Assert.Equal(Hex(NsExampleCom), new NsRecordData(DnsName.Parse("ns.example.com")).ToUncompressedRdata());
    }
}
