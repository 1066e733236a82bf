using System.Net;
using Koi.Dns.Protocol;
using Koi.Dns.Protocol.Records;

namespace Koi.Mdns.Tests.Responding;

public class AnsweringTests
{
    private static readonly IPEndPoint Querier = new(IPAddress.Parse("10.0.0.9"), 5353);
    private static readonly DnsName HttpType = Traffic.Name("_http._tcp.local");
    private static readonly DnsName Instance = Traffic.Name("My App._http._tcp.local");

    [Fact]
    public async Task Query_SharedPtr_AnsweredAfter20To120msWithAdditionals()
    {
        var (time, lan, node) = await AnnouncedAsync();
        await using var _ = node;
        var before = lan.Log.Count;

        lan.Inject(Query(new DnsQuestion(HttpType, DnsType.PTR)), Querier);
        var askedAt = time.GetUtcNow();
        time.Advance(TimeSpan.FromMilliseconds(200));

        var response = lan.Log.Skip(before).Single(r => r.Source.Address.Equals(node.Address));
        Assert.InRange(response.At - askedAt, TimeSpan.FromMilliseconds(20), TimeSpan.FromMilliseconds(120));
        Assert.True(response.IsMulticast);
        Assert.Contains(response.Message.Answers, r => r.Type == DnsType.PTR && r.Name == HttpType);
        Assert.Contains(response.Message.Additionals, r => r.Type == DnsType.SRV);
        Assert.Contains(response.Message.Additionals, r => r.Type == DnsType.TXT);
        Assert.Contains(response.Message.Additionals, r => r.Type == DnsType.A);
    }

    [Fact]
    public async Task Query_KnownAnswerWithFullTtl_Suppressed()
    {
        var (time, lan, node) = await AnnouncedAsync();
        await using var _ = node;
        var before = lan.Log.Count;
        var known = new DnsResourceRecord(HttpType, 4000, new PtrRecordData(Instance));

        lan.Inject(Query(new DnsQuestion(HttpType, DnsType.PTR)) with { Answers = [known] }, Querier);
        time.Advance(TimeSpan.FromMilliseconds(500));

        Assert.DoesNotContain(lan.Log.Skip(before), r => r.Source.Address.Equals(node.Address));
    }

    [Fact]
    public async Task Query_KnownAnswerBelowHalfTtl_StillAnswered()
    {
        var (time, lan, node) = await AnnouncedAsync();
        await using var _ = node;
        var before = lan.Log.Count;
        var stale = new DnsResourceRecord(HttpType, 2000, new PtrRecordData(Instance));

        lan.Inject(Query(new DnsQuestion(HttpType, DnsType.PTR)) with { Answers = [stale] }, Querier);
        time.Advance(TimeSpan.FromMilliseconds(500));

        Assert.Contains(lan.Log.Skip(before), r => r.Source.Address.Equals(node.Address) && r.Answers("_http._tcp.local", DnsType.PTR));
    }

    [Fact]
    public async Task Query_LegacyUnicastSourcePort_UnicastReplyEchoingIdAndQuestionWithShortTtl()
    {
        var (time, lan, node) = await AnnouncedAsync();
        await using var _ = node;
        var before = lan.Log.Count;
        var resolver = new IPEndPoint(IPAddress.Parse("10.0.0.9"), 40000);

        lan.Inject(Query(new DnsQuestion(Traffic.Name("alpha.local"), DnsType.A)) with { Header = new DnsHeader { Id = 0x1234 } }, resolver, node.Address);
        time.Advance(TimeSpan.FromMilliseconds(10));

        var reply = lan.Log.Skip(before).Single(r => r.Source.Address.Equals(node.Address));
        Assert.Equal(resolver, reply.Unicast);
        Assert.Equal(0x1234, reply.Message.Header.Id);
        Assert.True(reply.Message.Header.IsResponse);
        Assert.Equal(Traffic.Name("alpha.local"), Assert.Single(reply.Message.Questions).Name);
        var a = Assert.Single(reply.Message.Answers);
        Assert.Equal("10.0.0.1", a.Data.ToString());
        Assert.True(a.Ttl <= 10);
        Assert.False(a.CacheFlush);
    }

    [Fact]
    public async Task Query_LegacyUnicastFromOffLinkSource_Ignored()
    {
        var (time, lan, node) = await AnnouncedAsync();
        await using var _ = node;
        var before = lan.Log.Count;
        var offLink = new IPEndPoint(IPAddress.Parse("192.168.77.9"), 40000); // the link is 10.0.0.0/24

        lan.Inject(Query(new DnsQuestion(Traffic.Name("alpha.local"), DnsType.A)) with { Header = new DnsHeader { Id = 0x4321 } }, offLink, node.Address);
        time.Advance(TimeSpan.FromSeconds(1));

        Assert.DoesNotContain(lan.Log.Skip(before), r => r.Source.Address.Equals(node.Address));
    }

    [Fact]
    public async Task Query_LegacyUnicastFromLinkLocalSource_Answered()
    {
        var (time, lan, node) = await AnnouncedAsync();
        await using var _ = node;
        var before = lan.Log.Count;
        var linkLocal = new IPEndPoint(IPAddress.Parse("169.254.3.4"), 40000);

        lan.Inject(Query(new DnsQuestion(Traffic.Name("alpha.local"), DnsType.A)) with { Header = new DnsHeader { Id = 0x4322 } }, linkLocal, node.Address);
        time.Advance(TimeSpan.FromMilliseconds(10));

        Assert.Contains(lan.Log.Skip(before), r => r.Source.Address.Equals(node.Address) && Equals(r.Unicast, linkLocal));
    }

    [Fact]
    public async Task Query_SameUniqueRecordTwiceWithinOneSecond_MulticastOnce()
    {
        var (time, lan, node) = await AnnouncedAsync();
        await using var _ = node;
        time.Advance(TimeSpan.FromSeconds(2));
        var before = lan.Log.Count;
        var question = Query(new DnsQuestion(Instance, DnsType.SRV));

        lan.Inject(question, Querier);
        time.Advance(TimeSpan.FromMilliseconds(300));
        lan.Inject(question, Querier);
        time.Advance(TimeSpan.FromMilliseconds(300));
        var withinSecond = lan.Log.Skip(before).Count(r => r.Source.Address.Equals(node.Address) && r.Answers(Instance.ToString(), DnsType.SRV));
        time.Advance(TimeSpan.FromMilliseconds(500));
        lan.Inject(question, Querier);
        time.Advance(TimeSpan.FromMilliseconds(10));
        var total = lan.Log.Skip(before).Count(r => r.Source.Address.Equals(node.Address) && r.Answers(Instance.ToString(), DnsType.SRV));

        Assert.Equal(1, withinSecond);
        Assert.Equal(2, total);
    }

    [Fact]
    public async Task Query_QuForRecentlyMulticastRecord_AnsweredByUnicast()
    {
        var (time, lan, node) = await AnnouncedAsync();
        await using var _ = node;
        var before = lan.Log.Count;

        lan.Inject(Query(new DnsQuestion(Instance, DnsType.SRV, unicastResponse: true)), Querier);
        time.Advance(TimeSpan.FromMilliseconds(10));

        var reply = lan.Log.Skip(before).Single(r => r.Source.Address.Equals(node.Address));
        Assert.Equal(Querier, reply.Unicast);
        Assert.True(reply.Answers(Instance.ToString(), DnsType.SRV));
    }

    [Fact]
    public async Task Query_ServiceEnumeration_ListsAnnouncedTypes()
    {
        var (time, lan, node) = await AnnouncedAsync();
        await using var _ = node;
        var before = lan.Log.Count;

        lan.Inject(Query(new DnsQuestion(Traffic.Name("_services._dns-sd._udp.local"), DnsType.PTR)), Querier);
        time.Advance(TimeSpan.FromMilliseconds(200));

        var reply = lan.Log.Skip(before).Single(r => r.Source.Address.Equals(node.Address));
        var ptr = Assert.Single(reply.Message.Answers);
        Assert.Equal("_http._tcp.local", ptr.Data.ToString());
    }

    [Fact]
    public async Task Receive_MalformedPacket_DroppedAndCounted()
    {
        var (time, lan, node) = await AnnouncedAsync();
        await using var _ = node;

        lan.Inject([0, 0, 0, 0, 0, 1, 0, 0], Querier);
        lan.Inject([0, 0, 0x84, 0, 0, 0, 0, 5, 0, 0, 0, 0, 0xC0, 0x0C], Querier);

        Assert.Equal(2, node.Engine.Stats.PacketsDroppedMalformed);
        Assert.Equal("announced", node.Engine.Registrations().Single().State);
    }

    private static DnsMessage Query(DnsQuestion question) => new() { Questions = [question] };

    private static async Task<(ManualTimeProvider Time, VirtualLan Lan, TestNode Node)> AnnouncedAsync()
    {
        var time = new ManualTimeProvider();
        var lan = new VirtualLan(time);
        var node = await TestNode.StartAsync(lan, time, "10.0.0.1", "alpha");
        await node.RegisterAsync(time, Registrations.Http());
        time.Advance(TimeSpan.FromSeconds(3));
        return (time, lan, node);
    }
}
