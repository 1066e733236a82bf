using System.Net.Sockets;
using Koi.Dns.Tests.Support;

namespace Koi.Dns.Tests.Forwarding;

/// <summary>
/// Forwarding to a real dnsmasq upstream (127.0.77.1, a high port, no resolv.conf, no hosts: it answers only its own
/// --address names and forwards nothing), queried over real UDP and TCP sockets.
/// </summary>
public sealed class DnsmasqForwardingTests : IAsyncLifetime
{
    private Dnsmasq _upstream = null!;
    private DnsTestServer _koi = null!;

    public async ValueTask InitializeAsync()
    {
        Assert.SkipUnless(Dnsmasq.Available, "dnsmasq is not installed (scripts/install-test-deps.sh)");
        _upstream = await Dnsmasq.StartAsync();
        _koi = await DnsTestServer.StartAsync(upstreams: [_upstream.Endpoint.ToString()]);
        await _koi.Service.AddEntryAsync(new Api.EntryRequest("nas", "192.168.1.20"), TestContext.Current.CancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        if (_koi is not null)
        {
            await _koi.DisposeAsync();
        }

        if (_upstream is not null)
        {
            await _upstream.DisposeAsync();
        }
    }

    [Fact]
    public async Task Udp_NameOutsideZone_UpstreamAnswerWithClientId()
    {
        var answer = await DnsClient.UdpMessageAsync(_koi.Endpoint, Queries.Build("upstream.test", DnsType.A, id: 0xBEEF));

        Assert.Equal(0xBEEF, answer.Header.Id);
        Assert.Equal(["10.77.0.250"], Queries.Values(answer, DnsType.A));
        Assert.Equal(1, _koi.Service.Status().Counters.Forwarded);
    }

    [Fact]
    public async Task Udp_Ipv6ClientOnIpv6Listener_ZoneAnswerAndForwardedAnswerComeBack()
    {
        await using var koi6 = await DnsTestServer.StartAsync(upstreams: [_upstream.Endpoint.ToString()], request: new Api.ServeRequest(Listen: ["::1"]));
        await koi6.Service.AddEntryAsync(new Api.EntryRequest("nas", "fd00::20"), TestContext.Current.CancellationToken);

        var local = await DnsClient.UdpMessageAsync(koi6.Endpoint, Queries.Build("nas.lan", DnsType.AAAA, id: 0x6006));
        var forwarded = await DnsClient.UdpMessageAsync(koi6.Endpoint, Queries.Build("upstream.test", DnsType.A, id: 0x6007));

        Assert.Equal(System.Net.Sockets.AddressFamily.InterNetworkV6, koi6.Endpoint.AddressFamily);
        Assert.Equal(["fd00::20"], Queries.Values(local, DnsType.AAAA));
        Assert.Equal(0x6007, forwarded.Header.Id);
        Assert.Equal(["10.77.0.250"], Queries.Values(forwarded, DnsType.A));
    }

    [Fact]
    public async Task Tcp_NameOutsideZone_Forwarded()
    {
        var answer = await DnsClient.TcpMessageAsync(_koi.Endpoint, Queries.Build("www.upstream.test", DnsType.A));

        Assert.Equal(["10.77.0.251"], Queries.Values(answer, DnsType.A));
    }

    [Fact]
    public async Task Udp_ZoneNameNotForwarded_UpstreamNeverAsked()
    {
        var answer = await DnsClient.UdpMessageAsync(_koi.Endpoint, Queries.Build("unknown.lan", DnsType.A));

        Assert.Equal(DnsResponseCode.NameError, answer.Header.ResponseCode);
        Assert.True(answer.Header.IsAuthoritativeAnswer);
        Assert.Equal(0, _koi.Service.Status().Counters.Forwarded);
    }

    [Fact]
    public async Task Udp_BigAnswerWithEdns_UpstreamTruncatedKoiRetriedTcp()
    {
        // dnsmasq truncates UDP at the client's 1232; the full 600+ byte TXT comes over TCP from it, fits 1232 here.
        var answer = await DnsClient.UdpMessageAsync(_koi.Endpoint, Queries.Build(Dnsmasq.BigTxtName, DnsType.TXT, edns: new OptRecord(1232)));

        Assert.False(answer.Header.IsTruncated);
        Assert.Equal(3, ((TxtRecordData)answer.Answers.Single().Data).Strings.Count);
        Assert.NotNull(answer.Edns); // EDNS passed through both ways
    }

    [Fact]
    public async Task Udp_BigAnswerWithoutEdns_TruncatedThenTcpGetsAll()
    {
        var udp = await DnsClient.UdpMessageAsync(_koi.Endpoint, Queries.Build(Dnsmasq.BigTxtName, DnsType.TXT));
        var tcp = await DnsClient.TcpMessageAsync(_koi.Endpoint, Queries.Build(Dnsmasq.BigTxtName, DnsType.TXT));

        Assert.True(udp.Header.IsTruncated);
        Assert.Empty(udp.Answers);
        Assert.False(tcp.Header.IsTruncated);
        Assert.Equal(3, ((TxtRecordData)tcp.Answers.Single().Data).Strings.Count);
    }

    [Fact]
    public async Task Dig_ForwardedAndLocalNames_SameAsUpstreamAndZone()
    {
        Assert.SkipUnless(Tools.Has("dig"), "dig is not installed");
        var port = _koi.Endpoint.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);

        var forwarded = await Tools.RunAsync("dig", "@127.0.0.1", "-p", port, "+short", "+tries=1", "+time=3", "upstream.test", "A");
        var local = await Tools.RunAsync("dig", "@127.0.0.1", "-p", port, "+short", "+tries=1", "+time=3", "nas.lan", "A");
        var viaTcp = await Tools.RunAsync("dig", "@127.0.0.1", "-p", port, "+tcp", "+short", "+tries=1", "+time=3", "upstream.test", "A");

        Assert.Equal("10.77.0.250", forwarded.Trim());
        Assert.Equal("192.168.1.20", local.Trim());
        Assert.Equal("10.77.0.250", viaTcp.Trim());
    }

    [Fact]
    public async Task Kdig_BigTxtOverUdp_FollowsTruncationToTcp()
    {
        Assert.SkipUnless(Tools.Has("kdig"), "kdig is not installed");
        var port = _koi.Endpoint.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);

        var output = await Tools.RunAsync("kdig", "@127.0.0.1", "-p", port, "+noedns", "+retry=0", "+time=3", Dnsmasq.BigTxtName, "TXT");

        Assert.Contains("NOERROR", output, StringComparison.Ordinal);
        Assert.Contains(new string('x', 200), output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Udp_UpstreamGone_ServFailAndCounted()
    {
        await _upstream.DisposeAsync();

        var answer = await DnsClient.UdpMessageAsync(_koi.Endpoint, Queries.Build("upstream.test", DnsType.A, id: 77));

        Assert.Equal(77, answer.Header.Id);
        Assert.Equal(DnsResponseCode.ServerFailure, answer.Header.ResponseCode);
        Assert.Equal(1, _koi.Service.Status().Counters.UpstreamFailures);
    }

    [Fact]
    public async Task Lookup_ForwardedName_SaysUpstream()
    {
        var lookup = await _koi.Service.LookupAsync("upstream.test", "A", TestContext.Current.CancellationToken);

        Assert.Equal("upstream", lookup.Source);
        Assert.Equal(_upstream.Endpoint.ToString(), lookup.Upstream);
        Assert.Equal("10.77.0.250", lookup.Answers.Single().Value);
    }
}

/// <summary>Forwarding against a fake upstream the test controls: ids, question matching, silence.</summary>
public sealed class FakeUpstreamForwardingTests
{
    [Fact]
    public async Task Forward_IdRandomisedAndRestored_WrongQuestionIgnoredTimeoutServFail()
    {
        using var upstream = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        upstream.Bind(new IPEndPoint(IPAddress.Parse("127.0.77.2"), 0));
        await using var koi = await DnsTestServer.StartAsync(upstreams: [upstream.LocalEndPoint!.ToString()!]);
        var ids = new List<ushort>();

        var client = DnsClient.UdpAsync(koi.Endpoint, Queries.Build("example.org", DnsType.A, id: 0x4242), TimeSpan.FromSeconds(5));
        var buffer = new byte[512];
        var received = await upstream.ReceiveFromAsync(buffer, new IPEndPoint(IPAddress.Any, 0), TestContext.Current.CancellationToken);
        var forwarded = DnsMessageReader.Read(buffer.AsSpan(0, received.ReceivedBytes));
        ids.Add(forwarded.Header.Id);

        // An answer to another question with the right id must be ignored; koi then times out and says SERVFAIL.
        var wrong = DnsMessageWriter.Write(new DnsMessage
        {
            Header = new DnsHeader { Id = forwarded.Header.Id, IsResponse = true },
            Questions = [new DnsQuestion(DnsName.Parse("evil.example"), DnsType.A)],
            Answers = [new DnsResourceRecord(DnsName.Parse("evil.example"), 60, new ARecordData(IPAddress.Parse("6.6.6.6")))],
        });
        await upstream.SendToAsync(wrong, received.RemoteEndPoint);

        var answer = DnsMessageReader.Read(await client ?? throw new TimeoutException());
        Assert.Equal(0x4242, answer.Header.Id);
        Assert.Equal(DnsResponseCode.ServerFailure, answer.Header.ResponseCode);
        Assert.Empty(answer.Answers);
        Assert.Equal("example.org", forwarded.Questions.Single().Name.ToString(), ignoreCase: true);
        Assert.NotEqual(0x4242, forwarded.Header.Id); // 1 in 65536 to fail by chance
    }

    [Fact]
    public async Task Forward_AnswerNotEchoingTheQuestionCase_Dropped()
    {
        // An upstream that lower-cases the question cannot be told from a forger who guessed the id (docs/dns.md, 0x20).
        using var upstream = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        upstream.Bind(new IPEndPoint(IPAddress.Parse("127.0.77.3"), 0));
        await using var koi = await DnsTestServer.StartAsync(upstreams: [upstream.LocalEndPoint!.ToString()!]);

        var client = DnsClient.UdpAsync(koi.Endpoint, Queries.Build("Example.ORG", DnsType.A, id: 5), TimeSpan.FromSeconds(5));
        var buffer = new byte[512];
        var received = await upstream.ReceiveFromAsync(buffer, new IPEndPoint(IPAddress.Any, 0), TestContext.Current.CancellationToken);
        var forwarded = DnsMessageReader.Read(buffer.AsSpan(0, received.ReceivedBytes));
        var other = forwarded.Questions.Single().Name.ToString() == "example.org" ? "EXAMPLE.ORG" : "example.org";
        await upstream.SendToAsync(
            DnsMessageWriter.Write(new DnsMessage
            {
                Header = new DnsHeader { Id = forwarded.Header.Id, IsResponse = true, RecursionAvailable = true },
                Questions = [new DnsQuestion(DnsName.Parse(other), DnsType.A)],
                Answers = [new DnsResourceRecord(DnsName.Parse(other), 60, new ARecordData(IPAddress.Parse("192.0.2.1")))],
            }),
            received.RemoteEndPoint);

        var answer = DnsMessageReader.Read(await client ?? throw new TimeoutException());
        Assert.Equal(5, answer.Header.Id);
        Assert.Equal(DnsResponseCode.ServerFailure, answer.Header.ResponseCode);
        Assert.Empty(answer.Answers);
    }
}
