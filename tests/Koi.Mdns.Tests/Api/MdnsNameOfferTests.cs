using Koi.Core.Naming;
using Koi.Mdns.Api;
using Koi.Mdns.Tests.Fakes;
using Koi.Testing;

namespace Koi.Mdns.Tests.Api;

/// <summary>The labels of services announced here, offered for this machine's certificate (docs/certmesh.md "Service names").</summary>
public sealed class MdnsNameOfferTests
{
    [Theory]
    [InlineData("_grafana._tcp", "grafana")]
    [InlineData("_Wiki._TCP", "wiki")]
    [InlineData("_dns._udp", null)]
    [InlineData("_koi._tcp", null)]
    [InlineData("_certmesh._tcp", null)]
    public void Label_ServiceType_TcpLabelWithoutKoisOwn(string type, string? expected) =>
        Assert.Equal(expected, MdnsNameOffer.Label(type));

    [Fact]
    public async Task Register_TcpService_LabelOfferedUntilUnregistered()
    {
        var time = new ManualTimeProvider(DateTimeOffset.UtcNow);
        await using var node = await TestNode.StartAsync(new VirtualLan(time), time, "10.0.0.1", "alpha");
        var board = new ServiceNameBoard();
        var offer = new MdnsNameOffer(node.Engine, board);
        await offer.StartAsync(TestContext.Current.CancellationToken);

        var registered = await node.RegisterAsync(time, new ServiceRegistration { Name = "Grafana", Type = "_grafana._tcp", Port = 3000 });
        Assert.Equal(["grafana"], board.Wanted());

        await node.Engine.UnregisterAsync(registered.Id);
        Assert.Empty(board.Wanted());
        await offer.StopAsync(TestContext.Current.CancellationToken);
    }
}
