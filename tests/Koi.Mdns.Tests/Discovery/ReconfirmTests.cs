using Koi.Dns.Protocol;

namespace Koi.Mdns.Tests.Discovery;

/// <summary>RFC 6762 §10.4: a service whose owner may be gone is asked for again and flushed when nobody answers.</summary>
public class ReconfirmTests
{
    private const string Instance = "Web._http._tcp.local";

    [Fact]
    public async Task Reconfirm_OwnerVanishedSilently_SrvAskedTwiceWithoutKnownAnswerFlushedWithinTenSeconds()
    {
        var time = new ManualTimeProvider();
        var lan = new VirtualLan(time);
        await using var a = await TestNode.StartAsync(lan, time, "10.0.0.1", "alpha", seed: 1);
        await using var b = await TestNode.StartAsync(lan, time, "10.0.0.2", "beta", seed: 2);
        await a.RegisterAsync(time, Registrations.Http("Web"));
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        var browse = b.Engine.BrowseAsync("_http._tcp", cts.Token).GetAsyncEnumerator(cts.Token);
        _ = browse.MoveNextAsync().AsTask();
        time.Advance(TimeSpan.FromSeconds(3));
        Assert.True(b.Engine.Find(Instance)!.IsResolved);
        await a.Transport.DisposeAsync(); // alpha hears nothing any more: gone without a goodbye
        var start = time.GetUtcNow();
        var before = lan.Log.Count;

        Assert.True(b.Engine.Reconfirm(Instance));
        for (var i = 0; i < 110; i++)
        {
            time.Advance(TimeSpan.FromMilliseconds(100));
        }

        var queries = lan.Log.Skip(before).Where(r => r.Source.Address.Equals(b.Address) && r.IsQueryFor(Instance, DnsType.SRV)).ToList();
        Assert.True(queries.Count >= 2, $"{queries.Count} SRV queries");
        Assert.InRange(queries[1].At - queries[0].At, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(3));
        Assert.All(queries, q => Assert.DoesNotContain(q.Message.Answers, k => k.Type == DnsType.SRV));
        var service = b.Engine.Find(Instance)!;
        Assert.False(service.IsResolved && !service.IsStale, "the SRV record outlived an unanswered reconfirmation");
        Assert.True(time.GetUtcNow() - start <= TimeSpan.FromSeconds(11));
        await cts.CancelAsync();
    }

    [Fact]
    public async Task Reconfirm_OwnerStillThere_AnswersAndServiceStaysResolved()
    {
        var time = new ManualTimeProvider();
        var lan = new VirtualLan(time);
        await using var a = await TestNode.StartAsync(lan, time, "10.0.0.1", "alpha", seed: 1);
        await using var b = await TestNode.StartAsync(lan, time, "10.0.0.2", "beta", seed: 2);
        await a.RegisterAsync(time, Registrations.Http("Web"));
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        var browse = b.Engine.BrowseAsync("_http._tcp", cts.Token).GetAsyncEnumerator(cts.Token);
        _ = browse.MoveNextAsync().AsTask();
        time.Advance(TimeSpan.FromSeconds(3));
        var before = lan.Log.Count;

        Assert.True(b.Engine.Reconfirm(Instance));
        for (var i = 0; i < 150; i++)
        {
            time.Advance(TimeSpan.FromMilliseconds(100));
        }

        Assert.Contains(lan.Log.Skip(before), r => r.Source.Address.Equals(a.Address) && r.Answers(Instance, DnsType.SRV));
        var service = b.Engine.Find(Instance)!;
        Assert.True(service.IsResolved);
        Assert.False(service.IsStale);
        Assert.Equal("alpha.local", service.Host);
        await cts.CancelAsync();
    }

    [Fact]
    public async Task Reconfirm_UnknownInstance_FalseAndNoQuery()
    {
        var time = new ManualTimeProvider();
        var lan = new VirtualLan(time);
        await using var b = await TestNode.StartAsync(lan, time, "10.0.0.2", "beta", seed: 2);
        time.Advance(TimeSpan.FromSeconds(3));
        var before = lan.Log.Count;

        Assert.False(b.Engine.Reconfirm("Nobody._http._tcp.local"));
        time.Advance(TimeSpan.FromSeconds(3));

        Assert.DoesNotContain(lan.Log.Skip(before), r => r.IsQueryFor("Nobody._http._tcp.local", DnsType.SRV));
    }
}
