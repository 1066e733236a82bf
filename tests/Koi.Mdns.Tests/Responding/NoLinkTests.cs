using Koi.Dns.Protocol;
using Microsoft.Extensions.Logging.Abstractions;

namespace Koi.Mdns.Tests.Responding;

/// <summary>
/// Registrations while no link is open: nothing is claimed that was not sent, and they are probed and announced as soon
/// as a link appears (docs/mdns.md, "Network changes").
/// </summary>
public class NoLinkTests
{
    [Fact]
    public async Task Register_NoInterface_ReturnsWaitingAndSendsNothing()
    {
        var time = new ManualTimeProvider();
        var lan = new VirtualLan(time);
        await using var node = await StartDownAsync(lan, time);

        var registration = await node.RegisterAsync(time, Registrations.Http());
        time.Advance(TimeSpan.FromSeconds(5));

        Assert.Equal("waiting", registration.State);
        Assert.Equal("waiting", node.Engine.GetRegistration(registration.Id)!.State);
        Assert.Empty(lan.Log);
    }

    [Fact]
    public async Task Register_NoInterfaceThenOneAppears_ProbedThenAnnouncedAndStateAnnounced()
    {
        var time = new ManualTimeProvider();
        var lan = new VirtualLan(time);
        await using var node = await StartDownAsync(lan, time);
        var registration = await node.RegisterAsync(time, Registrations.Http());

        node.Transport.SetUp(true);
        node.Engine.CheckInterfacesNow();
        time.Advance(TimeSpan.FromSeconds(3));

        Assert.Equal(3, lan.Log.Count(r => r.IsProbeFor("My App._http._tcp.local")));
        Assert.Contains(lan.Log, r => r.IsAnnouncementOf("My App._http._tcp.local", DnsType.SRV));
        Assert.Equal("announced", node.Engine.GetRegistration(registration.Id)!.State);
    }

    [Fact]
    public async Task LinkGoes_AnnouncedService_WaitingWhileDownAndProbedAfreshWhenBack()
    {
        var time = new ManualTimeProvider();
        var lan = new VirtualLan(time);
        await using var node = await TestNode.StartAsync(lan, time, "10.0.0.1", "alpha");
        var registration = await node.RegisterAsync(time, Registrations.Http());
        time.Advance(TimeSpan.FromSeconds(3));
        var announced = node.Engine.GetRegistration(registration.Id)!.State;

        node.Transport.SetUp(false);
        node.Engine.CheckInterfacesNow();
        time.Advance(TimeSpan.FromSeconds(3));
        var down = node.Engine.GetRegistration(registration.Id)!.State;
        var upAt = time.GetUtcNow();
        node.Transport.SetUp(true);
        node.Engine.CheckInterfacesNow();
        time.Advance(TimeSpan.FromSeconds(3));

        Assert.Equal("announced", announced);
        Assert.Equal("waiting", down);
        Assert.Contains(lan.Log, r => r.At >= upAt && r.IsProbeFor("My App._http._tcp.local"));
        Assert.Contains(lan.Log, r => r.At >= upAt && r.IsAnnouncementOf("My App._http._tcp.local", DnsType.SRV));
        Assert.Equal("announced", node.Engine.GetRegistration(registration.Id)!.State);
    }

    private static Task<TestNode> StartDownAsync(VirtualLan lan, ManualTimeProvider time) =>
        TestNode.StartAsync(lan, time, "10.0.0.1", "alpha", up: false);
}
