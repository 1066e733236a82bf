using Koi.Dns.Protocol.Records;
using static Koi.Dns.Protocol.Tests.TestBytes;

namespace Koi.Dns.Protocol.Tests.Records;

public class MxRecordDataTests
{
    private const string TenMailExampleCom = "000A 04 6D61696C 07 6578616D706C65 03 636F6D 00";

    [Fact]
    public void Read_PreferenceAndName_GivesBoth()
    {
        var data = ReadSingleAnswerData<MxRecordData>(DnsType.MX, TenMailExampleCom);

        Assert.Equal(10, data.Preference);
        Assert.Equal(DnsName.Parse("mail.example.com"), data.Exchange);
    }

    [Fact]
    public void ToUncompressedRdata_PreferenceAndName_MatchesWire()
    {
        Assert.Equal(Hex(TenMailExampleCom), new MxRecordData(10, DnsName.Parse("mail.example.com")).ToUncompressedRdata());
    }
}
