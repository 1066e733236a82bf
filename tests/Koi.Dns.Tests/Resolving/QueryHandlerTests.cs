using Koi.Dns.Resolving;
using Koi.Dns.Safety;
using Koi.Dns.Tests.Support;
using Koi.Dns.Zone;

namespace Koi.Dns.Tests.Resolving;

public sealed class QueryHandlerTests
{
    [Fact]
    public void Handle_StaticName_AuthoritativeAnswer()
    {
        var harness = new HandlerHarness();

        var answer = harness.Ask("nas.lan", DnsType.A);

        Assert.True(answer.Header.IsAuthoritativeAnswer);
        Assert.True(answer.Header.IsResponse);
        Assert.Equal(0x1234, answer.Header.Id);
        Assert.Equal(DnsResponseCode.NoError, answer.Header.ResponseCode);
        Assert.Equal(["192.168.1.20"], Queries.Values(answer, DnsType.A));
        Assert.Equal(1, harness.Counters.Answered);
    }

    [Fact]
    public void Handle_MixedCaseQuestion_SameAnswerQuestionEchoed()
    {
        var answer = new HandlerHarness().Ask("NaS.LaN", DnsType.AAAA);

        Assert.Equal("NaS.LaN", answer.Questions.Single().Name.ToString());
        Assert.Equal(["fd00::20"], Queries.Values(answer, DnsType.AAAA));
    }

    [Fact]
    public void Handle_UnknownNameInZone_NxDomainWithSoa()
    {
        var answer = new HandlerHarness().Ask("nothing.lan", DnsType.A);

        Assert.Equal(DnsResponseCode.NameError, answer.Header.ResponseCode);
        Assert.True(answer.Header.IsAuthoritativeAnswer);
        Assert.Empty(answer.Answers);
        var soa = Assert.Single(answer.Authorities);
        Assert.Equal(DnsType.SOA, soa.Type);
        Assert.Equal("lan", soa.Name.ToString());
    }

    [Fact]
    public void Handle_KnownNameOtherType_NoDataWithSoa()
    {
        var answer = new HandlerHarness().Ask("nas.lan", DnsType.MX);

        Assert.Equal(DnsResponseCode.NoError, answer.Header.ResponseCode);
        Assert.Empty(answer.Answers);
        Assert.Equal(DnsType.SOA, Assert.Single(answer.Authorities).Type);
    }

    [Fact]
    public void Handle_EmptyNonTerminal_NoDataNotNxDomain()
    {
        var answer = new HandlerHarness().Ask("_tcp.lan", DnsType.A);

        Assert.Equal(DnsResponseCode.NoError, answer.Header.ResponseCode);
    }

    [Fact]
    public void Handle_Srv_TargetsAndTheirAddressesInAdditional()
    {
        var answer = new HandlerHarness().Ask("_grafana._tcp.lan", DnsType.SRV);

        Assert.Equal(["0 0 3000 stone-c.lan", "0 0 3000 stone-d.lan"], Queries.Values(answer, DnsType.SRV).Order());
        Assert.Equal(["10.77.0.13", "10.77.0.14"], answer.Additionals.Select(r => r.Data.ToString()).Order());
    }

    [Fact]
    public void Handle_ServiceAlias_AllAddressesRoundRobin()
    {
        var harness = new HandlerHarness();

        var firsts = Enumerable.Range(0, 10).Select(_ => Queries.Values(harness.Ask("grafana.lan", DnsType.A), DnsType.A)).ToList();

        Assert.All(firsts, f => Assert.Equal(["10.77.0.13", "10.77.0.14"], f.Order()));
        Assert.Equal(2, firsts.Select(f => f[0]).Distinct().Count());
    }

    [Fact]
    public void Handle_Apex_SoaNsAndAny()
    {
        var harness = new HandlerHarness();

        Assert.Equal(DnsType.SOA, harness.Ask("lan", DnsType.SOA).Answers.Single().Type);
        Assert.Equal("ns.lan", harness.Ask("lan", DnsType.NS).Answers.Single().Data.ToString());
        Assert.Equal(2, harness.Ask("nas.lan", DnsType.ANY).Answers.Count);
    }

    [Fact]
    public void Handle_NameOutsideZone_Forward()
    {
        var harness = new HandlerHarness();

        var (handled, _) = harness.Handle(Queries.Build("example.org", DnsType.A, edns: new OptRecord(4096)));

        Assert.Equal(QueryOutcome.Forward, handled.Outcome);
        Assert.Equal(QueryHandler.MaxUdpSize, handled.ResponseLimit);
        Assert.Equal(1, harness.Counters.Forwarded);
    }

    [Fact]
    public void Handle_PublicClient_Refused()
    {
        var harness = new HandlerHarness();

        var answer = harness.Ask("nas.lan", DnsType.A, HandlerHarness.PublicClient);

        Assert.Equal(DnsResponseCode.Refused, answer.Header.ResponseCode);
        Assert.Empty(answer.Answers);
        Assert.Equal(1, harness.Counters.Refused);
        Assert.Equal(0, harness.Counters.Answered);
    }

    [Fact]
    public void Handle_PublicClientAllowed_Answered()
    {
        var harness = new HandlerHarness(new QueryPolicy(AllowPublicClients: true, null));

        Assert.Equal(["192.168.1.20"], Queries.Values(harness.Ask("nas.lan", DnsType.A, HandlerHarness.PublicClient), DnsType.A));
    }

    [Fact]
    public void Handle_ClientOverRate_RefusedOtherClientAnswered()
    {
        var clock = new ManualTimeProvider();
        var harness = new HandlerHarness(new QueryPolicy(false, new ClientRateLimiter(200, 400, 100, clock)));
        for (var i = 0; i < 400; i++)
        {
            harness.Ask("nas.lan", DnsType.A);
        }

        Assert.Equal(DnsResponseCode.Refused, harness.Ask("nas.lan", DnsType.A).Header.ResponseCode);
        Assert.Equal(DnsResponseCode.NoError, harness.Ask("nas.lan", DnsType.A, ClientAddress.From(IPAddress.Parse("10.77.0.99"))).Header.ResponseCode);
        Assert.Equal(1, harness.Counters.RateLimited);
    }

    [Fact]
    public void Handle_ClientOverRateWithSlipTwo_EverySecondGetsTruncatedReplyNoLargerThanQuery()
    {
        var clock = new ManualTimeProvider();
        var harness = new HandlerHarness(new QueryPolicy(false, new ClientRateLimiter(200, 1, 100, clock, slip: 2)));
        var query = Queries.Build("nas.lan", DnsType.A, id: 0x0707, edns: new OptRecord(1232));
        harness.Handle(query);

        var (refusedHandled, refused) = harness.Handle(query);
        var (slippedHandled, slipped) = harness.Handle(query);

        Assert.Equal(DnsResponseCode.Refused, refused!.Header.ResponseCode);
        Assert.False(refused.Header.IsTruncated);
        Assert.True(slipped!.Header.IsTruncated);
        Assert.True(slipped.Header.IsResponse);
        Assert.Equal(0x0707, slipped.Header.Id);
        Assert.Equal(DnsResponseCode.NoError, slipped.Header.ResponseCode);
        Assert.Equal("nas.lan", slipped.Questions.Single().Name.ToString());
        Assert.Empty(slipped.Answers);
        Assert.Empty(slipped.Authorities);
        Assert.Null(slipped.Edns);
        Assert.True(slippedHandled.Length <= query.Length);
        Assert.True(refusedHandled.Length <= query.Length);
        Assert.Equal(2, harness.Counters.RateLimited);
        Assert.Equal(1, harness.Counters.Slipped);
    }

    [Fact]
    public void Handle_ClientOverRateOverTcp_AnsweredBecauseTcpIsNotRateLimited()
    {
        var clock = new ManualTimeProvider();
        var harness = new HandlerHarness(new QueryPolicy(false, new ClientRateLimiter(200, 1, 100, clock, slip: 1)));
        var query = Queries.Build("nas.lan", DnsType.A);
        harness.Handle(query);

        var (_, overUdp) = harness.Handle(query);
        var (_, overTcp) = harness.Handle(query, transport: DnsTransport.Tcp);

        Assert.True(overUdp!.Header.IsTruncated);
        Assert.Equal(["192.168.1.20"], Queries.Values(overTcp!, DnsType.A));
        Assert.Equal(1, harness.Counters.RateLimited);
    }

    [Fact]
    public void Handle_PublicClientOverTcp_StillRefused()
    {
        var (_, message) = new HandlerHarness().Handle(Queries.Build("nas.lan", DnsType.A), HandlerHarness.PublicClient, DnsTransport.Tcp);

        Assert.Equal(DnsResponseCode.Refused, message!.Header.ResponseCode);
    }

    [Theory]
    [InlineData("nas.lan", false)]
    [InlineData("nas.lan", true)]
    [InlineData("grafana.lan", true)]
    [InlineData("example.org", false)]
    public void Handle_ZoneAnswerOrForward_AllocatesNothing(string name, bool edns)
    {
        var harness = new HandlerHarness(new QueryPolicy(false, new ClientRateLimiter(1_000_000, 1_000_000, 100, new ManualTimeProvider())));
        var query = Queries.Build(name, DnsType.A, edns: edns ? new OptRecord(1232) : null);
        var response = new byte[QueryHandler.MaxTcpSize];
        var writer = new DnsMessageWriter(response);
        for (var i = 0; i < 100; i++)
        {
            harness.Handler.Handle(query, HandlerHarness.LanClient, DnsTransport.Udp, writer, response);
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1000; i++)
        {
            harness.Handler.Handle(query, HandlerHarness.LanClient, DnsTransport.Udp, writer, response);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void Handle_PlainQueryAndDecodedQuery_SameResponseBytes()
    {
        // The same question once as a plain query (read in place) and once with a second OPT-less additional record
        // that only the full decoder handles: the responses must be identical.
        var harness = new HandlerHarness();
        var plain = Queries.Build("grafana.lan", DnsType.A, id: 9, edns: new OptRecord(1232));
        var response = new byte[QueryHandler.MaxTcpSize];
        var writer = new DnsMessageWriter(response);

        var fast = harness.Handler.Handle(plain, HandlerHarness.LanClient, DnsTransport.Udp, writer, response);
        var fastBytes = response.AsSpan(0, fast.Length).ToArray();
        var upper = Queries.Build("GRAFANA.lan", DnsType.A, id: 9, edns: new OptRecord(1232));
        var slow = harness.Handler.Handle(upper, HandlerHarness.LanClient, DnsTransport.Udp, writer, response);
        var slowMessage = DnsMessageReader.Read(response.AsSpan(0, slow.Length));
        var fastMessage = DnsMessageReader.Read(fastBytes);

        Assert.Equal("GRAFANA.lan", slowMessage.Questions.Single().Name.ToString());
        Assert.Equal(fastMessage.Answers.Select(a => a.Data.ToString()).Order(), slowMessage.Answers.Select(a => a.Data.ToString()).Order());
        Assert.Equal(fastMessage.Header with { Id = 0 }, slowMessage.Header with { Id = 0 });
        Assert.Equal(fastMessage.Edns, slowMessage.Edns);
    }

    [Fact]
    public void Handle_GarbageAfterHeader_FormErrCountedMalformed()
    {
        var harness = new HandlerHarness();
        var query = Queries.Build("nas.lan", DnsType.A)[..20];

        var (handled, message) = harness.Handle(query);

        Assert.Equal(QueryOutcome.Respond, handled.Outcome);
        Assert.Equal(DnsResponseCode.FormatError, message!.Header.ResponseCode);
        Assert.Equal(1, harness.Counters.Malformed);
    }

    [Fact]
    public void Handle_ShorterThanHeaderOrAResponse_Dropped()
    {
        var harness = new HandlerHarness();
        var response = Queries.Build("nas.lan", DnsType.A);
        response[2] |= 0x80;

        Assert.Equal(QueryOutcome.Drop, harness.Handle([1, 2, 3]).Handled.Outcome);
        Assert.Equal(QueryOutcome.Drop, harness.Handle(response).Handled.Outcome);
        Assert.Equal(2, harness.Counters.Malformed);
    }

    [Fact]
    public void Handle_SeveralQuestions_FormErr()
    {
        var query = DnsMessageWriter.Write(new DnsMessage
        {
            Header = new DnsHeader { Id = 7 },
            Questions = [new DnsQuestion(DnsName.Parse("nas.lan"), DnsType.A), new DnsQuestion(DnsName.Parse("x.lan"), DnsType.A)],
        });

        var (_, message) = new HandlerHarness().Handle(query);

        Assert.Equal(DnsResponseCode.FormatError, message!.Header.ResponseCode);
    }

    [Fact]
    public void Handle_NotAQueryOpcode_NotImp()
    {
        var query = DnsMessageWriter.Write(new DnsMessage
        {
            Header = new DnsHeader { Id = 7, Opcode = DnsOpcode.Update },
            Questions = [new DnsQuestion(DnsName.Parse("lan"), DnsType.SOA)],
        });

        Assert.Equal(DnsResponseCode.NotImplemented, new HandlerHarness().Handle(query).Message!.Header.ResponseCode);
    }

    [Theory]
    [InlineData((ushort)252)]
    [InlineData((ushort)251)]
    public void Handle_ZoneTransfer_NotImp(ushort type)
    {
        Assert.Equal(DnsResponseCode.NotImplemented, new HandlerHarness().Ask("lan", (DnsType)type).Header.ResponseCode);
    }

    [Fact]
    public void Handle_ChaosClass_RefusedInAndOutOfZone()
    {
        var harness = new HandlerHarness();

        Assert.Equal(DnsResponseCode.Refused, harness.Handle(Queries.Build("version.bind", DnsType.TXT, @class: DnsClass.CH)).Message!.Header.ResponseCode);
        Assert.Equal(DnsResponseCode.Refused, harness.Handle(Queries.Build("nas.lan", DnsType.A, @class: DnsClass.CH)).Message!.Header.ResponseCode);
    }

    [Fact]
    public void Handle_Edns_EchoedWithServerSize()
    {
        var answer = new HandlerHarness().Ask("nas.lan", DnsType.A, edns: new OptRecord(4096));

        Assert.Equal(QueryHandler.MaxUdpSize, answer.Edns!.UdpPayloadSize);
    }

    [Fact]
    public void Handle_EdnsVersion1_BadVers()
    {
        var answer = new HandlerHarness().Ask("nas.lan", DnsType.A, edns: new OptRecord(4096) { Version = 1 });

        Assert.Equal(1, answer.Edns!.ExtendedResponseCode); // (1 << 4) | 0 = 16 = BADVERS
        Assert.Empty(answer.Answers);
    }

    [Fact]
    public void Handle_AnswerLargerThanUdp512_TruncatedQuestionOnly()
    {
        var entries = Enumerable.Range(1, 60).Select(i => new Settings.StaticEntry("big.lan", $"10.1.0.{i}")).ToList();
        var harness = new HandlerHarness(inputs: new ZoneInputs { Zone = "lan", Static = entries });

        var udp = harness.Ask("big.lan", DnsType.A);
        var (tcpHandled, tcp) = harness.Handle(Queries.Build("big.lan", DnsType.A), transport: DnsTransport.Tcp);

        Assert.True(udp.Header.IsTruncated);
        Assert.Empty(udp.Answers);
        Assert.Single(udp.Questions);
        Assert.False(tcp!.Header.IsTruncated);
        Assert.Equal(60, tcp.Answers.Count);
        Assert.True(tcpHandled.Length > 512);
    }

    [Fact]
    public void Handle_SnapshotSwapped_NextQuerySeesNewZone()
    {
        var harness = new HandlerHarness();

        harness.Holder.Swap(ZoneBuilder.Build(new ZoneInputs { Zone = "lan", Static = [new Settings.StaticEntry("new.lan", "10.9.9.9")] }));

        Assert.Equal(["10.9.9.9"], Queries.Values(harness.Ask("new.lan", DnsType.A), DnsType.A));
        Assert.Equal(DnsResponseCode.NameError, harness.Ask("nas.lan", DnsType.A).Header.ResponseCode);
    }
}
