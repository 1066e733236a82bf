using Koi.Dns.Resolving;
using Koi.Dns.Settings;
using Koi.Dns.Tests.Support;
using Koi.Dns.Zone;

namespace Koi.Dns.Tests.Resolving;

/// <summary>A zone answer asked again is copied from its wire form (<see cref="WireAnswer"/>): the bytes must not change.</summary>
public sealed class WireAnswerTests
{
    [Theory]
    [InlineData("nas.lan", DnsType.A, false)]
    [InlineData("nas.lan", DnsType.A, true)]
    [InlineData("nas.lan", DnsType.AAAA, true)]
    [InlineData("nas.lan", DnsType.ANY, false)]
    [InlineData("nas.lan", DnsType.MX, true)]
    [InlineData("_grafana._tcp.lan", DnsType.SRV, true)]
    [InlineData("lan", DnsType.SOA, false)]
    [InlineData("lan", DnsType.NS, true)]
    [InlineData("_tcp.lan", DnsType.A, false)]
    public void Handle_SameQuestionAgain_CopiedAnswerEqualsFreshlyBuiltOne(string name, DnsType type, bool edns)
    {
        var warm = new HandlerHarness();
        warm.Handle(Query(name, type, edns, id: 1, recursionDesired: true, checkingDisabled: false));
        var again = Query(name, type, edns, id: 0xBEEF, recursionDesired: false, checkingDisabled: true);

        var copied = Bytes(warm, again);
        var built = Bytes(new HandlerHarness(), again);

        Assert.NotNull(warm.Holder.Current.Find(DnsName.Parse(name))!.Answers.Get(type, edns));
        Assert.Equal(built, copied);
        var message = DnsMessageReader.Read(copied);
        Assert.Equal(0xBEEF, message.Header.Id);
        Assert.False(message.Header.RecursionDesired);
        Assert.True(message.Header.CheckingDisabled);
    }

    [Fact]
    public void Handle_OtherTypesAfterNoData_EachQuestionEchoed()
    {
        var harness = new HandlerHarness();
        harness.Ask("nas.lan", DnsType.MX);

        var https = harness.Ask("nas.lan", (DnsType)65);

        Assert.Equal((DnsType)65, https.Questions.Single().Type);
        Assert.Empty(https.Answers);
        Assert.Equal(DnsType.SOA, https.Authorities.Single().Type);
    }

    [Fact]
    public void Handle_KeptAnswerLongerThanClientLimit_TruncatedNotCopied()
    {
        var entries = Enumerable.Range(1, 40).Select(i => new StaticEntry("big.lan", $"10.1.0.{i}")).ToList();
        var harness = new HandlerHarness(inputs: new ZoneInputs { Zone = "lan", Static = entries });
        var large = harness.Ask("big.lan", DnsType.A, edns: new OptRecord(1232));

        var small = harness.Ask("big.lan", DnsType.A, edns: new OptRecord(512));
        var again = harness.Ask("big.lan", DnsType.A, edns: new OptRecord(1232));

        Assert.Equal(40, large.Answers.Count);
        Assert.True(small.Header.IsTruncated);
        Assert.Empty(small.Answers);
        Assert.Equal(40, again.Answers.Count);
        Assert.False(again.Header.IsTruncated);
    }

    [Fact]
    public void Handle_ZoneRebuiltAfterAnswerKept_AnswerFromNewZone()
    {
        var harness = new HandlerHarness();
        harness.Ask("nas.lan", DnsType.A);
        harness.Ask("nas.lan", DnsType.A);

        harness.Holder.Swap(ZoneBuilder.Build(new ZoneInputs { Zone = "lan", Static = [new StaticEntry("nas.lan", "192.168.1.21")] }));

        Assert.Equal(["192.168.1.21"], Queries.Values(harness.Ask("nas.lan", DnsType.A), DnsType.A));
    }

    private static byte[] Query(string name, DnsType type, bool edns, ushort id, bool recursionDesired, bool checkingDisabled) =>
        DnsMessageWriter.Write(new DnsMessage
        {
            Header = new DnsHeader { Id = id, RecursionDesired = recursionDesired, CheckingDisabled = checkingDisabled },
            Questions = [new DnsQuestion(DnsName.Parse(name), type, DnsClass.IN)],
            Edns = edns ? new OptRecord(1232) : null,
        });

    private static byte[] Bytes(HandlerHarness harness, byte[] query)
    {
        var response = new byte[QueryHandler.MaxUdpSize];
        var handled = harness.Handler.Handle(query, HandlerHarness.LanClient, DnsTransport.Udp, new DnsMessageWriter(response), response);
        Assert.Equal(QueryOutcome.Respond, handled.Outcome);
        return response.AsSpan(0, handled.Length).ToArray();
    }
}
