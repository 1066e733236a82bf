using System.Net;
using Koi.Core.Discovery;
using Koi.Dns.Protocol;
using Koi.Dns.Protocol.Records;

namespace Koi.Mdns.Tests.Discovery;

public class BrowseTests
{
    [Fact]
    public async Task Browse_ServiceOnAnotherHost_FoundThenResolvedWithHostPortAddressTxt()
    {
        var time = new ManualTimeProvider();
        var lan = new VirtualLan(time);
        await using var a = await TestNode.StartAsync(lan, time, "10.0.0.1", "alpha", seed: 1);
        await using var b = await TestNode.StartAsync(lan, time, "10.0.0.2", "beta", seed: 2);
        await a.RegisterAsync(time, Registrations.Http("Web", 8080, new() { ["path"] = "/x", ["v"] = "1" }));
        time.Advance(TimeSpan.FromSeconds(3));

        var changes = await CollectAsync(b.Engine.BrowseAsync("_http._tcp", TestContext.Current.CancellationToken), time, TimeSpan.FromSeconds(2), 2);

        Assert.Equal(ServiceChangeKind.Found, changes[0].Kind);
        var resolved = changes.Single(c => c.Kind == ServiceChangeKind.Resolved).Service;
        Assert.Equal("Web", resolved.Name);
        Assert.Equal("_http._tcp", resolved.Type);
        Assert.Equal("Web._http._tcp.local", resolved.FullName);
        Assert.Equal("alpha.local", resolved.Host);
        Assert.Equal(8080, resolved.Port);
        Assert.Equal([IPAddress.Parse("10.0.0.1")], resolved.Addresses);
        Assert.Equal("/x", resolved.Txt["path"]);
        Assert.Equal("1", resolved.Txt["v"]);
    }

    [Fact]
    public async Task Browse_ServiceUnregistered_RemovedAndListedAsStale()
    {
        var time = new ManualTimeProvider();
        var lan = new VirtualLan(time);
        await using var a = await TestNode.StartAsync(lan, time, "10.0.0.1", "alpha", seed: 1);
        await using var b = await TestNode.StartAsync(lan, time, "10.0.0.2", "beta", seed: 2);
        var registration = await a.RegisterAsync(time, Registrations.Http("Web"));
        time.Advance(TimeSpan.FromSeconds(3));
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        var browse = b.Engine.BrowseAsync("_http._tcp", cts.Token).GetAsyncEnumerator(cts.Token);
        Assert.True(await browse.MoveNextAsync()); // found (from the cache of the announcements)

        await a.Engine.UnregisterAsync(registration.Id);
        ServiceChange? removed = null;
        while (removed is null && await browse.MoveNextAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken))
        {
            removed = browse.Current.Kind == ServiceChangeKind.Removed ? browse.Current : null;
        }

        Assert.NotNull(removed);
        Assert.True(removed.Service.IsStale);
        Assert.True(b.Engine.Find("Web._http._tcp")!.IsStale);
        await cts.CancelAsync();
        Assert.False(await browse.MoveNextAsync());
        await browse.DisposeAsync();
    }

    [Fact]
    public async Task Browse_NothingAnswers_QueriesAt1s2s4sIntervalsWithFirstWithin120ms()
    {
        var time = new ManualTimeProvider();
        var lan = new VirtualLan(time);
        await using var b = await TestNode.StartAsync(lan, time, "10.0.0.2", "beta");
        time.Advance(TimeSpan.FromSeconds(3));
        var start = time.GetUtcNow();
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        var browse = b.Engine.BrowseAsync("_ipp._tcp", cts.Token).GetAsyncEnumerator(cts.Token);
        var first = browse.MoveNextAsync();

        time.Advance(TimeSpan.FromSeconds(20));

        var times = lan.Log.Where(r => r.IsQueryFor("_ipp._tcp.local", DnsType.PTR)).Select(r => r.At - start).ToList();
        Assert.InRange(times[0], TimeSpan.FromMilliseconds(20), TimeSpan.FromMilliseconds(120));
        Assert.Equal(TimeSpan.FromSeconds(1), times[1] - times[0]);
        Assert.Equal(TimeSpan.FromSeconds(2), times[2] - times[1]);
        Assert.Equal(TimeSpan.FromSeconds(4), times[3] - times[2]);
        Assert.Equal(TimeSpan.FromSeconds(8), times[4] - times[3]);
        await cts.CancelAsync();
        Assert.False(await first);
        await browse.DisposeAsync();
    }

    [Fact]
    public async Task Browse_CachedAnswer_ListedAsKnownAnswerInNextQuery()
    {
        var time = new ManualTimeProvider();
        var lan = new VirtualLan(time);
        await using var a = await TestNode.StartAsync(lan, time, "10.0.0.1", "alpha", seed: 1);
        await using var b = await TestNode.StartAsync(lan, time, "10.0.0.2", "beta", seed: 2);
        await a.RegisterAsync(time, Registrations.Http("Web"));
        time.Advance(TimeSpan.FromSeconds(3));
        var before = lan.Log.Count;
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        var browse = b.Engine.BrowseAsync("_http._tcp", cts.Token).GetAsyncEnumerator(cts.Token);
        _ = browse.MoveNextAsync().AsTask();

        time.Advance(TimeSpan.FromSeconds(5));

        var queries = lan.Log.Skip(before).Where(r => r.Source.Address.Equals(b.Address) && r.IsQueryFor("_http._tcp.local", DnsType.PTR)).ToList();
        Assert.NotEmpty(queries);
        Assert.All(queries, q => Assert.Contains(q.Message.Answers, k => k.Data is PtrRecordData p && p.DomainName == Traffic.Name("Web._http._tcp.local")));
        // Known-answer suppression: alpha never answers the PTR question again while it is listed.
        Assert.DoesNotContain(lan.Log.Skip(before), r => r.Source.Address.Equals(a.Address) && r.Answers("_http._tcp.local", DnsType.PTR));
        await cts.CancelAsync();
    }

    [Fact]
    public async Task Browse_AnotherHostAsksSameQuestion_OurQuerySuppressed()
    {
        var time = new ManualTimeProvider();
        var lan = new VirtualLan(time);
        await using var b = await TestNode.StartAsync(lan, time, "10.0.0.2", "beta");
        time.Advance(TimeSpan.FromSeconds(3));
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        var browse = b.Engine.BrowseAsync("_ipp._tcp", cts.Token).GetAsyncEnumerator(cts.Token);
        _ = browse.MoveNextAsync().AsTask();

        lan.Inject(new DnsMessage { Questions = [new DnsQuestion(Traffic.Name("_ipp._tcp.local"), DnsType.PTR)] }, new IPEndPoint(IPAddress.Parse("10.0.0.9"), 5353));
        time.Advance(TimeSpan.FromMilliseconds(900));

        Assert.DoesNotContain(lan.Log, r => r.Source.Address.Equals(b.Address) && r.IsQueryFor("_ipp._tcp.local", DnsType.PTR));
        await cts.CancelAsync();
    }

    [Fact]
    public async Task Browse_AllTypes_EnumeratesTypesThenFindsServices()
    {
        var time = new ManualTimeProvider();
        var lan = new VirtualLan(time);
        await using var a = await TestNode.StartAsync(lan, time, "10.0.0.1", "alpha", seed: 1);
        await using var b = await TestNode.StartAsync(lan, time, "10.0.0.2", "beta", seed: 2);
        await a.RegisterAsync(time, Registrations.Http("Web"));
        await a.RegisterAsync(time, new ServiceRegistration { Name = "Printer", Type = "_ipp._tcp", Port = 631 });
        time.Advance(TimeSpan.FromSeconds(3));

        var changes = await CollectAsync(b.Engine.BrowseAsync(null, TestContext.Current.CancellationToken), time, TimeSpan.FromSeconds(3), 4);

        var resolved = changes.Where(c => c.Kind == ServiceChangeKind.Resolved).Select(c => c.Service.FullName).Order().ToList();
        Assert.Equal(["Printer._ipp._tcp.local", "Web._http._tcp.local"], resolved);
    }

    [Fact]
    public async Task Resolve_ByName_ReturnsServiceAndNullWhenNothingAnswers()
    {
        var time = new ManualTimeProvider();
        var lan = new VirtualLan(time);
        await using var a = await TestNode.StartAsync(lan, time, "10.0.0.1", "alpha", seed: 1);
        await using var b = await TestNode.StartAsync(lan, time, "10.0.0.2", "beta", seed: 2);
        await a.RegisterAsync(time, Registrations.Http("Web"));
        time.Advance(TimeSpan.FromSeconds(3));
        // beta has overheard the announcements; make it forget by asking for something it has not seen.
        var missing = b.Engine.ResolveAsync("Nobody._http._tcp", TimeSpan.FromSeconds(2), TestContext.Current.CancellationToken);
        var found = b.Engine.ResolveAsync("Web._http._tcp.local", TimeSpan.FromSeconds(2), TestContext.Current.CancellationToken);

        for (var i = 0; i < 30; i++)
        {
            time.Advance(TimeSpan.FromMilliseconds(100));
            await Task.WhenAny(Task.WhenAll(missing, found), Task.Delay(10, TestContext.Current.CancellationToken));
        }

        Assert.Null(await missing);
        Assert.Equal(8080, (await found)!.Port);
    }

    [Fact]
    public async Task Receive_FloodOfDistinctServices_CacheAndRegistryStayBounded()
    {
        var time = new ManualTimeProvider();
        var lan = new VirtualLan(time);
        await using var b = await TestNode.StartAsync(lan, time, "10.0.0.2", "beta", options: new MdnsOptions { MaxCacheRecords = 512 });
        var type = Traffic.Name("_flood._tcp.local");
        var hostile = new IPEndPoint(IPAddress.Parse("10.0.0.66"), 5353);

        for (var packet = 0; packet < 200; packet++)
        {
            var answers = new List<DnsResourceRecord>();
            for (var i = 0; i < 20; i++)
            {
                var instance = type.Prepend($"svc-{packet}-{i}");
                answers.Add(new DnsResourceRecord(type, 4500, new PtrRecordData(instance)));
                answers.Add(new DnsResourceRecord(instance, 120, new SrvRecordData(0, 0, 80, Traffic.Name($"h{packet}-{i}.local")), cacheFlush: true));
            }

            lan.Inject(new DnsMessage { Header = new DnsHeader { IsResponse = true }, Answers = answers }, hostile);
        }

        time.Advance(TimeSpan.FromSeconds(2));
        var stats = b.Engine.Stats;
        Assert.Equal(512, stats.CacheRecords);
        Assert.True(stats.CacheEvictions >= 8000 - 512);
        Assert.InRange(stats.Services, 1, 512 + 1024);
    }

    private static async Task<List<ServiceChange>> CollectAsync(IAsyncEnumerable<ServiceChange> source, ManualTimeProvider time, TimeSpan span, int atLeast)
    {
        var list = new List<ServiceChange>();
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        var reader = Task.Run(
            async () =>
            {
                await foreach (var change in source.WithCancellation(cts.Token))
                {
                    lock (list)
                    {
                        list.Add(change);
                    }
                }
            },
            TestContext.Current.CancellationToken);
        for (var elapsed = TimeSpan.Zero; elapsed < span; elapsed += TimeSpan.FromMilliseconds(100))
        {
            time.Advance(TimeSpan.FromMilliseconds(100));
            await Task.Delay(5, TestContext.Current.CancellationToken);
        }

        for (var i = 0; i < 100; i++)
        {
            lock (list)
            {
                if (list.Count >= atLeast)
                {
                    break;
                }
            }

            await Task.Delay(10, TestContext.Current.CancellationToken);
        }

        await cts.CancelAsync();
        await reader;
        lock (list)
        {
            return [.. list];
        }
    }
}
