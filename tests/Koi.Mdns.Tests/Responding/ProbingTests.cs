using Koi.Dns.Protocol;

namespace Koi.Mdns.Tests.Responding;

public class ProbingTests
{
    private const string Instance = "My App._http._tcp.local";

    [Fact]
    public async Task Register_QuietLink_ThreeQuProbes250msApartThenTwoAnnouncements1sApart()
    {
        var time = new ManualTimeProvider();
        var lan = new VirtualLan(time);
        await using var node = await TestNode.StartAsync(lan, time, "10.0.0.1", "alpha");
        time.Advance(TimeSpan.FromSeconds(3)); // host name settled
        var start = time.GetUtcNow();

        var registration = await node.RegisterAsync(time, Registrations.Http());
        time.Advance(TimeSpan.FromSeconds(3));

        var probes = lan.Log.Where(r => r.IsProbeFor(Instance)).ToList();
        Assert.Equal(3, probes.Count);
        Assert.InRange(probes[0].At - start, TimeSpan.Zero, TimeSpan.FromMilliseconds(250));
        Assert.Equal(TimeSpan.FromMilliseconds(250), probes[1].At - probes[0].At);
        Assert.Equal(TimeSpan.FromMilliseconds(250), probes[2].At - probes[1].At);
        var authority = probes[0].Message.Authorities;
        Assert.Contains(authority, r => r.Type == DnsType.SRV && r.Name == Traffic.Name(Instance));
        Assert.Contains(authority, r => r.Type == DnsType.TXT && r.Name == Traffic.Name(Instance));

        var announcements = lan.Log.Where(r => r.IsAnnouncementOf(Instance, DnsType.SRV)).ToList();
        Assert.Equal(2, announcements.Count);
        Assert.Equal(TimeSpan.FromMilliseconds(250), announcements[0].At - probes[2].At);
        Assert.Equal(TimeSpan.FromSeconds(1), announcements[1].At - announcements[0].At);
        var answers = announcements[0].Message.Answers;
        Assert.True(answers.Single(a => a.Type == DnsType.SRV).CacheFlush);
        Assert.True(answers.Single(a => a.Type == DnsType.TXT).CacheFlush);
        Assert.False(answers.Single(a => a.Type == DnsType.PTR && a.Name == Traffic.Name("_http._tcp.local")).CacheFlush);
        Assert.Equal(120u, answers.Single(a => a.Type == DnsType.SRV).Ttl);
        Assert.Equal(4500u, answers.Single(a => a.Type == DnsType.TXT).Ttl);
        Assert.Contains(answers, a => a.Name == Traffic.Name("_services._dns-sd._udp.local"));
        Assert.Equal("My App", registration.Name);
        Assert.Equal("announced", node.Engine.GetRegistration(registration.Id)!.State);
    }

    [Fact]
    public async Task Start_HostName_ProbedThenAnnouncedWithAddressAndTtl120()
    {
        var time = new ManualTimeProvider();
        var lan = new VirtualLan(time);
        await using var node = await TestNode.StartAsync(lan, time, "10.0.0.1", "alpha");

        time.Advance(TimeSpan.FromSeconds(3));

        Assert.Equal(3, lan.Log.Count(r => r.IsProbeFor("alpha.local")));
        var announcement = lan.Log.First(r => r.IsAnnouncementOf("alpha.local", DnsType.A));
        var a = announcement.Message.Answers.Single(r => r.Type == DnsType.A);
        Assert.Equal(120u, a.Ttl);
        Assert.True(a.CacheFlush);
        Assert.Equal("10.0.0.1", a.Data.ToString());
    }

    [Fact]
    public async Task Register_OwnPacketsLoopedBack_NoConflictAndCountedAsOwn()
    {
        var time = new ManualTimeProvider();
        var lan = new VirtualLan(time) { LoopBack = true };
        await using var node = await TestNode.StartAsync(lan, time, "10.0.0.1", "alpha");

        var registration = await node.RegisterAsync(time, Registrations.Http());
        time.Advance(TimeSpan.FromSeconds(30));

        Assert.Equal("My App", registration.Name);
        Assert.Equal("My App", node.Engine.GetRegistration(registration.Id)!.Name);
        Assert.Equal("alpha.local", node.Engine.HostName);
        Assert.True(node.Engine.Stats.OwnPacketsIgnored > 0);
        Assert.Equal(3, lan.Log.Count(r => r.IsProbeFor("My App._http._tcp.local")));
    }

    [Fact]
    public async Task Unregister_Announced_SendsGoodbyesWithTtlZero()
    {
        var time = new ManualTimeProvider();
        var lan = new VirtualLan(time);
        await using var node = await TestNode.StartAsync(lan, time, "10.0.0.1", "alpha");
        var registration = await node.RegisterAsync(time, Registrations.Http());
        time.Advance(TimeSpan.FromSeconds(3));

        Assert.True(await node.Engine.UnregisterAsync(registration.Id));

        var goodbye = lan.Log.Last();
        Assert.True(goodbye.HasGoodbyeFor("_http._tcp.local", DnsType.PTR));
        Assert.True(goodbye.HasGoodbyeFor(Instance, DnsType.SRV));
        Assert.True(goodbye.HasGoodbyeFor(Instance, DnsType.TXT));
        Assert.All(goodbye.Message.Answers, a => Assert.False(a.CacheFlush));
        Assert.Null(node.Engine.GetRegistration(registration.Id));
        Assert.False(await node.Engine.UnregisterAsync(registration.Id));
    }

    [Fact]
    public async Task Dispose_Announced_SendsGoodbyesForServiceAndHost()
    {
        var time = new ManualTimeProvider();
        var lan = new VirtualLan(time);
        var node = await TestNode.StartAsync(lan, time, "10.0.0.1", "alpha");
        await node.RegisterAsync(time, Registrations.Http());
        time.Advance(TimeSpan.FromSeconds(3));
        var before = lan.Log.Count;

        await node.DisposeAsync();

        var after = lan.Log.Skip(before).ToList();
        Assert.Contains(after, r => r.HasGoodbyeFor(Instance, DnsType.SRV));
        Assert.Contains(after, r => r.HasGoodbyeFor("alpha.local", DnsType.A));
    }
}
