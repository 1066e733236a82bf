using Koi.Dns.Protocol.Records;
using static Koi.Dns.Protocol.Tests.TestBytes;

namespace Koi.Dns.Protocol.Tests.Records;

public class PtrRecordDataTests
{
    [Fact]
    public void Read_CompressedTarget_Decompresses()
    {
        // Question "_http._tcp.local" PTR at 12; the answer's owner and the tail of its rdata point back at it.
        var packet = Hex("""
            0000 8400 0001 0001 0000 0000
            05 5F68747470 04 5F746370 05 6C6F63616C 00  000C 0001
            C00C 000C 0001 00001194 0009 06 4D7920417070 C00C
            """);

        var record = Assert.Single(DnsMessageReader.Read(packet).Answers);

        Assert.Equal(DnsName.Parse("_http._tcp.local"), record.Name);
        Assert.Equal(4500u, record.Ttl);
        Assert.Equal(DnsName.Parse("My App._http._tcp.local"), Assert.IsType<PtrRecordData>(record.Data).DomainName);
    }

    [Fact]
    public void ToUncompressedRdata_Name_IsWrittenInFull()
    {
        var data = new PtrRecordData(DnsName.Parse("a.local"));

        Assert.Equal(Hex("01 61 05 6C6F63616C 00"), data.ToUncompressedRdata());
    }
}
