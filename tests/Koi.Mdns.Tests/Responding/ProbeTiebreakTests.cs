using System.Net;
using Koi.Dns.Protocol;
using Koi.Dns.Protocol.Records;
using Koi.Mdns.Responding;

namespace Koi.Mdns.Tests.Responding;

public class ProbeTiebreakTests
{
    private static readonly DnsName Host = DnsName.Parse("stone.local");

    [Fact]
    public void Compare_LaterAddress_Wins() =>
        Assert.True(ProbeTiebreak.Compare([A("10.0.0.2")], [A("10.0.0.1")]) > 0);

    [Fact]
    public void Compare_EarlierAddress_Loses() =>
        Assert.True(ProbeTiebreak.Compare([A("10.0.0.1")], [A("10.0.0.2")]) < 0);

    [Fact]
    public void Compare_SameRecordsInOtherOrder_Identical() =>
        Assert.Equal(0, ProbeTiebreak.Compare([A("10.0.0.1"), A("10.0.0.2")], [A("10.0.0.2"), A("10.0.0.1")]));

    [Fact]
    public void Compare_PrefixOfOther_Loses() =>
        Assert.True(ProbeTiebreak.Compare([A("10.0.0.1")], [A("10.0.0.1"), A("10.0.0.2")]) < 0);

    [Fact]
    public void Compare_HigherTypeWithLowerData_WinsOnType() =>
        Assert.True(ProbeTiebreak.Compare([new DnsResourceRecord(Host, 120, new AaaaRecordData(IPAddress.IPv6Loopback))], [A("255.255.255.255")]) > 0);

    private static DnsResourceRecord A(string address) => new(Host, 120, new ARecordData(IPAddress.Parse(address)));
}
