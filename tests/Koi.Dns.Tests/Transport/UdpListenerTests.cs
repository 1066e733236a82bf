using Koi.Dns.Tests.Support;

namespace Koi.Dns.Tests.Transport;

public sealed class UdpListenerTests : IAsyncLifetime
{
    private DnsTestServer _server = null!;

    public async ValueTask InitializeAsync()
    {
        _server = await DnsTestServer.StartAsync();
        await _server.Service.AddEntryAsync(new Api.EntryRequest("nas", "192.168.1.20"), TestContext.Current.CancellationToken);
    }

    public async ValueTask DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task Udp_ManyConcurrentClients_AllAnswered()
    {
        var answers = await Task.WhenAll(Enumerable.Range(0, 200).Select(i =>
            DnsClient.UdpMessageAsync(_server.Endpoint, Queries.Build("nas.lan", DnsType.A, id: (ushort)i))));

        Assert.All(answers, a => Assert.Equal(["192.168.1.20"], Queries.Values(a, DnsType.A)));
        Assert.Equal(Enumerable.Range(0, 200), answers.Select(a => (int)a.Header.Id).Order());
    }

    [Fact]
    public async Task Udp_GarbageDatagrams_CountedAndServerStillAnswers()
    {
        var random = new Random(5);
        for (var i = 0; i < 200; i++)
        {
            var packet = new byte[random.Next(0, 100)];
            random.NextBytes(packet);
            await DnsClient.UdpAsync(_server.Endpoint, packet, TimeSpan.FromMilliseconds(20));
        }

        var answer = await DnsClient.UdpMessageAsync(_server.Endpoint, Queries.Build("nas.lan", DnsType.A));

        Assert.Equal(["192.168.1.20"], Queries.Values(answer, DnsType.A));
        Assert.True(_server.Service.Status().Counters.Malformed > 0);
    }

    [Fact]
    public async Task Udp_ClientOverRateLimit_RefusedWhileAnotherLoopbackClientAnswered()
    {
        var limited = await DnsTestServer.StartAsync(request: new Api.ServeRequest(RateLimitQps: 1, RateLimitBurst: 5));
        await using var _ = limited;
        await limited.Service.AddEntryAsync(new Api.EntryRequest("nas", "192.168.1.20"), TestContext.Current.CancellationToken);
        var codes = new List<DnsResponseCode>();
        for (var i = 0; i < 10; i++)
        {
            codes.Add((await DnsClient.UdpMessageAsync(limited.Endpoint, Queries.Build("nas.lan", DnsType.A))).Header.ResponseCode);
        }

        var other = await DnsClient.UdpAsync(limited.Endpoint, Queries.Build("nas.lan", DnsType.A), from: IPAddress.Parse("127.0.0.2"));

        Assert.Equal(5, codes.Count(c => c == DnsResponseCode.NoError));
        Assert.Equal(5, codes.Count(c => c == DnsResponseCode.Refused));
        Assert.Equal(DnsResponseCode.NoError, DnsMessageReader.Read(other).Header.ResponseCode);
        Assert.Equal(5, limited.Service.Status().Counters.RateLimited);
    }

    [Fact]
    public async Task Dig_OverRateWithSlip_FollowsTruncationToTcpAndGetsTheAnswer()
    {
        Assert.SkipUnless(Tools.Has("dig"), "dig is not installed");
        await using var limited = await DnsTestServer.StartAsync(request: new Api.ServeRequest(RateLimitQps: 1, RateLimitBurst: 1, RateLimitSlip: 1));
        await limited.Service.AddEntryAsync(new Api.EntryRequest("nas", "192.168.1.20"), TestContext.Current.CancellationToken);
        var port = limited.Endpoint.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        await DnsClient.UdpMessageAsync(limited.Endpoint, Queries.Build("nas.lan", DnsType.A)); // spends the one token

        var dig = await Tools.RunAsync("dig", "@127.0.0.1", "-p", port, "+tries=1", "+time=3", "nas.lan", "A");

        Assert.Contains(";; Truncated, retrying in TCP mode.", dig, StringComparison.Ordinal);
        Assert.Matches(@"nas\.lan\.\s+\d+\s+IN\s+A\s+192\.168\.1\.20", dig);
        Assert.Equal(1, limited.Service.Status().Counters.Slipped);
    }

    [Fact]
    public async Task Dig_OverRateWithoutSlip_Refused()
    {
        Assert.SkipUnless(Tools.Has("dig"), "dig is not installed");
        await using var limited = await DnsTestServer.StartAsync(request: new Api.ServeRequest(RateLimitQps: 1, RateLimitBurst: 1));
        var port = limited.Endpoint.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        await DnsClient.UdpMessageAsync(limited.Endpoint, Queries.Build("nas.lan", DnsType.A));

        var dig = await Tools.RunAsync("dig", "@127.0.0.1", "-p", port, "+tries=1", "+time=3", "nas.lan", "A");

        Assert.Contains("status: REFUSED", dig, StringComparison.Ordinal);
        Assert.DoesNotContain("Truncated", dig, StringComparison.Ordinal);
        Assert.Equal(0, limited.Service.Status().Counters.Slipped);
    }

    [Fact]
    public async Task Stop_AfterTraffic_ReceiveThreadsEndAtOnce()
    {
        var endpoint = _server.Endpoint;
        await Task.WhenAll(Enumerable.Range(0, 50).Select(i => DnsClient.UdpMessageAsync(endpoint, Queries.Build("nas.lan", DnsType.A, id: (ushort)i))));
        var stopwatch = System.Diagnostics.Stopwatch.StartNew();

        await _server.Service.StopServingAsync(TestContext.Current.CancellationToken);

        // Each receive thread gets 2 s to end before it is given up on; ending by itself takes milliseconds.
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(1.5), $"stopping took {stopwatch.Elapsed}");
        Assert.Null(await DnsClient.UdpAsync(endpoint, Queries.Build("nas.lan", DnsType.A), TimeSpan.FromMilliseconds(200)));
    }
}
