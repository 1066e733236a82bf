using System.Net;
using Koi.Dns.Protocol.Records;
using static Koi.Dns.Protocol.Tests.TestBytes;

namespace Koi.Dns.Protocol.Tests.Records;

public class AaaaRecordDataTests
{
    [Fact]
    public void Read_SixteenBytes_GivesIPv6Address()
    {
        var data = ReadSingleAnswerData<AaaaRecordData>(DnsType.AAAA, "FE80 0000 0000 0000 0000 0000 0000 0001");

        Assert.Equal(IPAddress.Parse("fe80::1"), data.Address);
    }

    [Fact]
    public void Constructor_ScopedAddress_DropsScopeWhichHasNoWireForm()
    {
        var data = new AaaaRecordData(IPAddress.Parse("fe80::1%3"));

        Assert.Equal(0, data.Address.ScopeId);
        Assert.Equal(Hex("FE80 0000 0000 0000 0000 0000 0000 0001"), data.ToUncompressedRdata());
    }

    [Fact]
    public void Read_FourBytes_ThrowsRecordDataLengthMismatch()
    {
        Assert.Equal(DnsFormatError.RecordDataLengthMismatch, ReadError(SingleAnswer(DnsType.AAAA, "C0A8010A")));
    }

    [Fact]
    public void Constructor_IPv4Address_Throws()
    {
        Assert.Throws<ArgumentException>(() => new AaaaRecordData(IPAddress.Loopback));
    }
}
