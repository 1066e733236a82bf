using Koi.Dns.Protocol.Records;
using static Koi.Dns.Protocol.Tests.TestBytes;

namespace Koi.Dns.Protocol.Tests.Records;

public class CnameRecordDataTests
{
    private const string WwwExampleCom = "03 777777 07 6578616D706C65 03 636F6D 00";

    [Fact]
    public void Read_Name_GivesCanonicalName()
    {
        var data = ReadSingleAnswerData<CnameRecordData>(DnsType.CNAME, WwwExampleCom);

        Assert.Equal(DnsName.Parse("www.example.com"), data.CanonicalName);
    }

    [Fact]
    public void ToUncompressedRdata_Name_MatchesWire()
    {
        Assert.Equal(Hex(WwwExampleCom), new CnameRecordData(DnsName.Parse("www.example.com")).ToUncompressedRdata());
    }
}
