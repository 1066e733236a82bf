using System.Net;
using Koi.Dns.Protocol;
using Koi.Dns.Protocol.Records;
using Koi.Mdns.Caching;
using Koi.Mdns.Discovery;

namespace Koi.Mdns.Tests.Discovery;

/// <summary>
/// One machine announcing many services repeats its address record in every announcement, and each time the tracker
/// recomputes every service of that host. Nothing changed, so that must cost (almost) nothing: on a LAN of 50 such
/// services this was most of the ~360 KiB allocated per service appearing (docs/performance.md, "Native AOT").
/// </summary>
public sealed class TrackerAllocationTests
{
    private const int Services = 50;
    private static readonly DateTimeOffset T0 = new(2026, 12, 6, 12, 0, 0, TimeSpan.Zero);
    private static readonly DnsName Host = DnsName.Parse("crowd.local");
    private static readonly List<CachedRecord> Evicted = [];

    [Fact]
    public void OnRecord_HostAddressHeardAgainWithFiftyServices_RecomputeAllocatesAlmostNothing()
    {
        var cache = new RecordCache(4096);
        var tracker = new ServiceTracker(cache, new MdnsOptions());
        var subscription = tracker.Subscribe(null);
        var now = T0;
        foreach (var record in Announcement())
        {
            Hear(cache, tracker, record, now);
        }

        tracker.Process(now);
        Assert.Equal(Services, tracker.Snapshot(null).Count(s => s.IsResolved));
        var address = new DnsResourceRecord(Host, 120, new ARecordData(IPAddress.Parse("10.77.0.50")), cacheFlush: true);
        for (var i = 0; i < 20; i++)
        {
            now = now.AddMilliseconds(100);
            Hear(cache, tracker, address, now); // warm-up: every set and list at its size
        }

        while (subscription.Events.Reader.TryRead(out _))
        {
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 100; i++)
        {
            now = now.AddMilliseconds(100);
            Hear(cache, tracker, address, now);
        }

        var perRecord = (GC.GetAllocatedBytesForCurrentThread() - before) / 100;

        // Each time: the address record renewed in the cache and 50 services recomputed: 72 KiB before the fix, 40 bytes after.
        Assert.True(perRecord <= 512, $"{perRecord} bytes per address record heard again");
        Assert.False(subscription.Events.Reader.TryRead(out var change), $"an unchanged service was reported again: {change}");
    }

    [Fact]
    public void Snapshot_NothingChanged_SameViewsAgain()
    {
        var cache = new RecordCache(4096);
        var tracker = new ServiceTracker(cache, new MdnsOptions());
        foreach (var record in Announcement())
        {
            Hear(cache, tracker, record, T0);
        }

        tracker.Process(T0);
        var first = tracker.Snapshot(null);
        var before = GC.GetAllocatedBytesForCurrentThread();
        var second = tracker.Snapshot(null);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(Services, second.Count);
        Assert.All(first.Zip(second), pair => Assert.Same(pair.First, pair.Second));
        // The list of 50 references only, 456 bytes (a presence sweep reads this every 2 s); 42 KiB before the fix.
        Assert.True(allocated <= 1024, $"{allocated} bytes for a snapshot of {Services} unchanged services");
    }

    [Fact]
    public void Snapshot_TxtChanged_NewViewWithNewTxt()
    {
        var cache = new RecordCache(4096);
        var tracker = new ServiceTracker(cache, new MdnsOptions());
        foreach (var record in Announcement())
        {
            Hear(cache, tracker, record, T0);
        }

        tracker.Process(T0);
        var instance = DnsName.Parse("Crowd 7._crowd7._tcp.local");
        var before = tracker.Snapshot(null).Single(s => s.FullName == instance.ToString());
        Hear(cache, tracker, new DnsResourceRecord(instance, 4500, TxtRecordData.FromStrings("n=7", "v=2"), cacheFlush: true), T0.AddSeconds(5));
        tracker.Process(T0.AddSeconds(5));

        var after = tracker.Snapshot(null).Single(s => s.FullName == instance.ToString());
        Assert.Equal("1", before.Txt["v"]);
        Assert.Equal("2", after.Txt["v"]);
        Assert.Equal(T0.AddSeconds(5), after.LastSeen);
    }

    private static IEnumerable<DnsResourceRecord> Announcement()
    {
        for (var i = 0; i < Services; i++)
        {
            var type = DnsName.Parse($"_crowd{i % 10}._tcp.local");
            var instance = DnsName.Parse($"Crowd {i}._crowd{i % 10}._tcp.local");
            yield return new DnsResourceRecord(type, 4500, new PtrRecordData(instance));
            yield return new DnsResourceRecord(instance, 120, new SrvRecordData(0, 0, (ushort)(10000 + i), Host), cacheFlush: true);
            yield return new DnsResourceRecord(instance, 4500, TxtRecordData.FromStrings($"n={i}", "v=1"), cacheFlush: true);
        }

        yield return new DnsResourceRecord(Host, 120, new ARecordData(IPAddress.Parse("10.77.0.50")), cacheFlush: true);
    }

    private static void Hear(RecordCache cache, ServiceTracker tracker, DnsResourceRecord record, DateTimeOffset now)
    {
        Evicted.Clear();
        if (cache.Add(2, record, now, Evicted) != CacheUpdateKind.Ignored)
        {
            tracker.OnRecord(record, received: true);
        }

        tracker.Process(now);
    }
}
