using Koi.Dns.Protocol;

namespace Koi.Mdns.Tests.Responding;

public class ConflictTests
{
    [Fact]
    public async Task Register_NameAnnouncedByAnotherHost_RenamesToName2AndStaysStable()
    {
        var time = new ManualTimeProvider();
        var lan = new VirtualLan(time);
        await using var a = await TestNode.StartAsync(lan, time, "10.0.0.1", "alpha", seed: 1);
        await using var b = await TestNode.StartAsync(lan, time, "10.0.0.2", "beta", seed: 2);
        var first = await a.RegisterAsync(time, Registrations.Http("Printer"));
        time.Advance(TimeSpan.FromSeconds(3));

        var second = await b.RegisterAsync(time, Registrations.Http("Printer"));
        var settled = lan.Log.Count;
        time.Advance(TimeSpan.FromSeconds(30));

        Assert.Equal("Printer", first.Name);
        Assert.Equal("Printer (2)", second.Name);
        Assert.Equal("Printer", a.Engine.GetRegistration(first.Id)!.Name);
        Assert.Equal("Printer (2)", b.Engine.GetRegistration(second.Id)!.Name);
        // No flapping: after settling, nobody probes any more.
        Assert.DoesNotContain(lan.Log.Skip(settled), r => r.IsProbeFor("Printer._http._tcp.local") || r.IsProbeFor("Printer (2)._http._tcp.local"));
    }

    [Fact]
    public async Task Register_SameNameOnTwoHostsAtOnce_EndWithDistinctNamesWithoutFlapping()
    {
        var time = new ManualTimeProvider();
        var lan = new VirtualLan(time);
        await using var a = await TestNode.StartAsync(lan, time, "10.0.0.1", "alpha", seed: 11);
        await using var b = await TestNode.StartAsync(lan, time, "10.0.0.2", "beta", seed: 12);
        time.Advance(TimeSpan.FromSeconds(3));

        var pendingA = a.Engine.RegisterAsync(Registrations.Http("Twin"), TestContext.Current.CancellationToken);
        var pendingB = b.Engine.RegisterAsync(Registrations.Http("Twin"), TestContext.Current.CancellationToken);
        for (var i = 0; i < 60; i++)
        {
            time.Advance(TimeSpan.FromMilliseconds(100));
        }

        var ra = await pendingA.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
        var rb = await pendingB.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
        time.Advance(TimeSpan.FromSeconds(3));
        var names = new[] { a.Engine.GetRegistration(ra.Id)!.Name, b.Engine.GetRegistration(rb.Id)!.Name };
        var settled = lan.Log.Count;
        time.Advance(TimeSpan.FromSeconds(30));

        Assert.Equal(["Twin", "Twin (2)"], names.Order().ToArray());
        Assert.Equal(names[0], a.Engine.GetRegistration(ra.Id)!.Name);
        Assert.Equal(names[1], b.Engine.GetRegistration(rb.Id)!.Name);
        Assert.DoesNotContain(lan.Log.Skip(settled), r => !r.Message.Header.IsResponse && r.Message.Authorities.Count > 0);
    }

    [Fact]
    public async Task Register_IdenticalRecordsOnTwoHosts_NotAConflict()
    {
        var time = new ManualTimeProvider();
        var lan = new VirtualLan(time);
        await using var a = await TestNode.StartAsync(lan, time, "10.0.0.1", "alpha", seed: 3);
        await using var b = await TestNode.StartAsync(lan, time, "10.0.0.2", "beta", seed: 4);
        var device = new ServiceRegistration
        {
            Name = "Shared Printer",
            Type = "_ipp._tcp",
            Port = 631,
            Host = "printer",
            Addresses = ["10.0.0.50"],
        };

        var ra = await a.RegisterAsync(time, device);
        time.Advance(TimeSpan.FromSeconds(3));
        var rb = await b.RegisterAsync(time, device);
        time.Advance(TimeSpan.FromSeconds(30));

        Assert.Equal("Shared Printer", a.Engine.GetRegistration(ra.Id)!.Name);
        Assert.Equal("Shared Printer", b.Engine.GetRegistration(rb.Id)!.Name);
        Assert.Equal("printer.local", b.Engine.GetRegistration(rb.Id)!.Host);
    }

    [Fact]
    public async Task Start_HostNameTakenByAnotherHost_RenamesToHost2()
    {
        var time = new ManualTimeProvider();
        var lan = new VirtualLan(time);
        await using var a = await TestNode.StartAsync(lan, time, "10.0.0.1", "stone", seed: 5);
        time.Advance(TimeSpan.FromSeconds(3));

        await using var b = await TestNode.StartAsync(lan, time, "10.0.0.2", "stone", seed: 6);
        time.Advance(TimeSpan.FromSeconds(5));

        Assert.Equal("stone.local", a.Engine.HostName);
        Assert.Equal("stone-2.local", b.Engine.HostName);
    }

    [Fact]
    public async Task Probe_SimultaneousProbeWithLaterData_LoserDefersOneSecond()
    {
        var time = new ManualTimeProvider();
        var lan = new VirtualLan(time);
        await using var node = await TestNode.StartAsync(lan, time, "10.0.0.1", "alpha");
        time.Advance(TimeSpan.FromSeconds(3));
        var pending = node.Engine.RegisterAsync(Registrations.Http("Race", port: 80), TestContext.Current.CancellationToken);
        time.Advance(TimeSpan.FromMilliseconds(260)); // our first probe is out

        var rival = new DnsMessage
        {
            Questions = [new DnsQuestion(Traffic.Name("Race._http._tcp.local"), DnsType.ANY, unicastResponse: true)],
            Authorities =
            [
                new DnsResourceRecord(
                    Traffic.Name("Race._http._tcp.local"), 120, new Dns.Protocol.Records.SrvRecordData(0, 0, 9999, Traffic.Name("zzz.local"))),
            ],
        };
        lan.Inject(rival, new System.Net.IPEndPoint(System.Net.IPAddress.Parse("10.0.0.9"), 5353));
        var injectedAt = time.GetUtcNow();
        time.Advance(TimeSpan.FromSeconds(3));

        var probesAfter = lan.Log.Where(r => r.IsProbeFor("Race._http._tcp.local") && r.At > injectedAt && !r.Source.Address.Equals(System.Net.IPAddress.Parse("10.0.0.9"))).ToList();
        Assert.True(probesAfter[0].At - injectedAt >= TimeSpan.FromSeconds(1), $"re-probed after {probesAfter[0].At - injectedAt}");
        Assert.Equal("Race", (await pending).Name);
    }
}
