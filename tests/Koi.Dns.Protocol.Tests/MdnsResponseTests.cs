using System.Net;
using Koi.Dns.Protocol.Records;
using static Koi.Dns.Protocol.Tests.TestBytes;

namespace Koi.Dns.Protocol.Tests;

/// <summary>A service announcement laid out as avahi and mDNSResponder send one: every repeated name compressed.</summary>
public class MdnsResponseTests
{
    private static readonly byte[] Announcement = Hex("""
        0000 8400 0000 0004 0000 0002
        05 5F68747470 04 5F746370 05 6C6F63616C 00   000C 0001 00001194 0009  06 4D7920417070 C00C
        C028                                         0021 8001 00000078 0011  0000 0000 1F90 08 6B6F692D686F7374 C017
        C028                                         0010 8001 00001194 000B  06 706174683D2F 03 763D31
        C043                                         0001 8001 00000078 0004  C0A8010A
        C043                                         001C 8001 00000078 0010  FE80 0000 0000 0000 0000 0000 0000 0001
        C043                                         002F 8001 00000078 0008  C043 00 04 40000008
        """);

    private static readonly DnsName ServiceType = DnsName.Parse("_http._tcp.local");
    private static readonly DnsName Instance = DnsName.Parse("My App._http._tcp.local");
    private static readonly DnsName Host = DnsName.Parse("koi-host.local");

    [Fact]
    public void Read_CompressedAnnouncement_DecodesEveryRecord()
    {
        var message = DnsMessageReader.Read(Announcement);

        Assert.True(message.Header.IsResponse);
        Assert.True(message.Header.IsAuthoritativeAnswer);
        Assert.Equal(ExpectedAnnouncement(), message);
        Assert.Equal("My App._http._tcp.local", message.Answers[1].Name.ToString());
    }

    [Fact]
    public void Write_AnnouncementInMulticastMode_IsNoLargerThanTheOriginal()
    {
        var wire = DnsMessageWriter.Write(ExpectedAnnouncement(), DnsCompressionMode.Multicast);

        Assert.True(wire.Length <= Announcement.Length, $"{wire.Length} > {Announcement.Length}");
        Assert.Equal(ExpectedAnnouncement(), DnsMessageReader.Read(wire));
    }

    private static DnsMessage ExpectedAnnouncement() => new()
    {
        Header = new DnsHeader { IsResponse = true, IsAuthoritativeAnswer = true },
        Answers =
        [
            new DnsResourceRecord(ServiceType, 4500, new PtrRecordData(Instance)),
            new DnsResourceRecord(Instance, 120, new SrvRecordData(0, 0, 8080, Host), cacheFlush: true),
            new DnsResourceRecord(Instance, 4500, TxtRecordData.FromStrings("path=/", "v=1"), cacheFlush: true),
            new DnsResourceRecord(Host, 120, new ARecordData(IPAddress.Parse("192.168.1.10")), cacheFlush: true),
        ],
        Additionals =
        [
            new DnsResourceRecord(Host, 120, new AaaaRecordData(IPAddress.Parse("fe80::1")), cacheFlush: true),
            new DnsResourceRecord(Host, 120, new NsecRecordData(Host, DnsType.A, DnsType.AAAA), cacheFlush: true),
        ],
    };
}
