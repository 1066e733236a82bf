using System.Net;
using Koi.Dns.Protocol;
using Koi.Dns.Protocol.Records;
using Koi.Mdns.Caching;

namespace Koi.Mdns.Tests.Caching;

public class RecordCacheTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly DnsName Host = DnsName.Parse("alpha.local");

    [Fact]
    public void Expire_TtlElapsed_RecordRemoved()
    {
        var cache = new RecordCache(100);
        cache.Add(2, A("10.0.0.1", ttl: 120), T0, []);
        var expired = new List<CachedRecord>();

        cache.Expire(T0.AddSeconds(119), expired);
        Assert.Empty(expired);
        cache.Expire(T0.AddSeconds(120), expired);

        Assert.Single(expired);
        Assert.Equal(0, cache.Count);
    }

    [Fact]
    public void Add_CacheFlush_OlderRecordsOfSameNameGoAfterOneSecond()
    {
        var cache = new RecordCache(100);
        cache.Add(2, A("10.0.0.1"), T0, []);
        cache.Add(2, A("10.0.0.2", flush: true), T0.AddSeconds(10), []);
        var expired = new List<CachedRecord>();

        cache.Expire(T0.AddSeconds(10.5), expired);
        Assert.Empty(expired);
        cache.Expire(T0.AddSeconds(11), expired);

        Assert.Equal("10.0.0.1", Assert.Single(expired).Record.Data.ToString());
        Assert.Equal("10.0.0.2", Assert.Single(cache.Find(Host, DnsType.A)).Record.Data.ToString());
    }

    [Fact]
    public void Add_CacheFlushWithinOneSecondOfSibling_SiblingKept()
    {
        var cache = new RecordCache(100);
        cache.Add(2, A("10.0.0.1", flush: true), T0, []);
        cache.Add(2, A("10.0.0.2", flush: true), T0.AddMilliseconds(500), []);
        var expired = new List<CachedRecord>();

        cache.Expire(T0.AddSeconds(5), expired);

        Assert.Empty(expired);
        Assert.Equal(2, cache.Find(Host, DnsType.A).Count);
    }

    [Fact]
    public void Add_Goodbye_RecordMarkedAndRemovedAfterOneSecond()
    {
        var cache = new RecordCache(100);
        cache.Add(2, A("10.0.0.1"), T0, []);

        var update = cache.Add(2, A("10.0.0.1", ttl: 0), T0.AddSeconds(5), []);
        var expired = new List<CachedRecord>();
        cache.Expire(T0.AddSeconds(5.9), expired);
        Assert.Empty(expired);
        Assert.True(cache.Find(Host, DnsType.A).Single().IsGoodbye);
        cache.Expire(T0.AddSeconds(6), expired);

        Assert.Equal(CacheUpdateKind.Goodbye, update);
        Assert.Single(expired);
    }

    [Fact]
    public void Add_GoodbyeForUnknownRecord_Ignored()
    {
        var cache = new RecordCache(100);

        Assert.Equal(CacheUpdateKind.Ignored, cache.Add(2, A("10.0.0.1", ttl: 0), T0, []));
        Assert.Equal(0, cache.Count);
    }

    [Fact]
    public void Add_FloodOfDistinctRecords_CountStaysAtCapacityAndOldestGo()
    {
        var cache = new RecordCache(4096);
        var evicted = new List<CachedRecord>();
        var type = DnsName.Parse("_flood._tcp.local");

        for (var i = 0; i < 20_000; i++)
        {
            cache.Add(2, new DnsResourceRecord(type, 4500, new PtrRecordData(type.Prepend($"x{i}"))), T0, evicted);
        }

        Assert.Equal(4096, cache.Count);
        Assert.Equal(20_000 - 4096, cache.Evictions);
        Assert.Equal("x0._flood._tcp.local", ((PtrRecordData)evicted[0].Record.Data).DomainName.ToString());
    }

    [Fact]
    public void TakeRefreshDue_PassesEightyPercent_DueOncePerPoint()
    {
        var entry = new CachedRecord(2, A("10.0.0.1", ttl: 100), T0);

        Assert.False(entry.TakeRefreshDue(T0.AddSeconds(79), 0));
        Assert.True(entry.TakeRefreshDue(T0.AddSeconds(80), 0));
        Assert.False(entry.TakeRefreshDue(T0.AddSeconds(84), 0));
        Assert.True(entry.TakeRefreshDue(T0.AddSeconds(85), 0));
        Assert.True(entry.TakeRefreshDue(T0.AddSeconds(90), 0));
        Assert.True(entry.TakeRefreshDue(T0.AddSeconds(95), 0));
        Assert.False(entry.TakeRefreshDue(T0.AddSeconds(99), 0));
    }

    private static DnsResourceRecord A(string address, uint ttl = 120, bool flush = false) =>
        new(Host, ttl, new ARecordData(IPAddress.Parse(address)), cacheFlush: flush);
}
