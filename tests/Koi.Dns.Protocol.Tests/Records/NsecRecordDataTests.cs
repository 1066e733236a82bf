using Koi.Dns.Protocol.Records;
using static Koi.Dns.Protocol.Tests.TestBytes;

namespace Koi.Dns.Protocol.Tests.Records;

public class NsecRecordDataTests
{
    // mDNS form (RFC 6762 §6.1): next name = owner, one window 0 with A (bit 1) and AAAA (bit 28).
    private const string HostLocalAAndAaaa = "04 686F7374 05 6C6F63616C 00  00 04 40000008";

    [Fact]
    public void Read_MdnsForm_GivesNextNameAndTypes()
    {
        var data = ReadSingleAnswerData<NsecRecordData>(DnsType.NSEC, HostLocalAAndAaaa);

        Assert.Equal(DnsName.Parse("host.local"), data.NextDomainName);
        Assert.Equal([DnsType.A, DnsType.AAAA], data.Types);
    }

    [Fact]
    public void ToUncompressedRdata_UnsortedTypesWithDuplicate_WritesCanonicalBitmap()
    {
        var data = new NsecRecordData(DnsName.Parse("host.local"), DnsType.AAAA, DnsType.A, DnsType.AAAA);

        Assert.Equal(Hex(HostLocalAAndAaaa), data.ToUncompressedRdata());
        Assert.Equal([DnsType.A, DnsType.AAAA], data.Types);
    }

    [Fact]
    public void Read_TwoWindows_GivesTypesFromBoth()
    {
        var data = ReadSingleAnswerData<NsecRecordData>(DnsType.NSEC, "00  00 01 40  01 01 40");

        Assert.Equal([DnsType.A, (DnsType)257], data.Types);
    }

    [Fact]
    public void Read_TrailingZeroBitmapBytes_Accepted()
    {
        var data = ReadSingleAnswerData<NsecRecordData>(DnsType.NSEC, "00  00 04 40000000");

        Assert.Equal([DnsType.A], data.Types);
    }

    [Fact]
    public void Read_EmptyWindowBeforeRealOne_AcceptedAsPythonZeroconfWritesIt()
    {
        // Captured from python-zeroconf 0.x in the lab: an empty window 0, then window 0 with AAAA.
        var data = ReadSingleAnswerData<NsecRecordData>(DnsType.NSEC, "00  00 00  00 04 00000008");

        Assert.Equal([DnsType.AAAA], data.Types);
    }

    [Fact]
    public void Read_PythonZeroconfResponse_WholePacketDecodes()
    {
        var packet = Convert.FromHexString(
            "000084000000000100000004065f7a636c6162045f746370056c6f63616c00000c00010000119400100d5a65726f20436f6e6620537663" +
            "c00cc0290021800100000078000e0000000010f7057a632d7a63c018c04b000180010000007800040a4d000cc0290010800100001194000e" +
            "0d6b696e643d7a65726f636f6e66c04b002f800100001194000ac04b0000000400000008");

        Assert.True(DnsMessageReader.TryRead(packet, out var message, out var error), error.ToString());
        Assert.Equal(4, message.Additionals.Count);
    }

    [Theory]
    [InlineData("00  01 01 40  00 01 40")]
    [InlineData("00  00 01 40  00 01 40")]
    public void Read_BadWindows_ThrowsInvalidRecordData(string rdata)
    {
        Assert.Equal(DnsFormatError.InvalidRecordData, ReadError(SingleAnswer(DnsType.NSEC, rdata)));
    }

    [Fact]
    public void Read_BitmapLongerThan32_ThrowsInvalidRecordData()
    {
        var rdata = "00  00 21" + new string('0', 66);

        Assert.Equal(DnsFormatError.InvalidRecordData, ReadError(SingleAnswer(DnsType.NSEC, rdata)));
    }

    [Fact]
    public void Read_BitmapPastRdata_ThrowsRecordDataLengthMismatch()
    {
        Assert.Equal(DnsFormatError.RecordDataLengthMismatch, ReadError(SingleAnswer(DnsType.NSEC, "00  00 04 40")));
    }
}
