using Koi.Core.Capabilities;
using Koi.Core.Status;
using Koi.Testing;

namespace Koi.Core.Tests.Capabilities;

public sealed class CapabilityStatusTests
{
    private readonly StatusRegistry _registry = new(new ManualTimeProvider());

    [Fact]
    public void Aggregate_AllRunning_IsRunning()
    {
        _registry.Register("dns", "udp").Running();
        _registry.Register("dns", "tcp").Running();

        Assert.Equal(ComponentState.Running, CapabilityStatus.Aggregate(_registry.Snapshot("dns")).State);
    }

    [Fact]
    public void Aggregate_OneFailed_IsFailedWithItsReason()
    {
        _registry.Register("dns", "udp").Running();
        _registry.Register("dns", "tcp").Failed("address in use");

        var (state, reason) = CapabilityStatus.Aggregate(_registry.Snapshot("dns"));

        Assert.Equal(ComponentState.Failed, state);
        Assert.Equal("dns/tcp: address in use", reason);
    }

    [Fact]
    public void Aggregate_NewlyRegistered_IsStartingNotRunning()
    {
        _registry.Register("proxy", "listener");

        Assert.Equal(ComponentState.Starting, CapabilityStatus.Aggregate(_registry.Snapshot("proxy")).State);
    }

    [Fact]
    public void Aggregate_NoComponents_IsStarting()
    {
        Assert.Equal(ComponentState.Starting, CapabilityStatus.Aggregate(_registry.Snapshot("health")).State);
    }

    [Fact]
    public void Snapshot_Owner_OnlyThatOwnersComponents()
    {
        _registry.Register("dns", "udp");
        _registry.Register("dnsx", "udp");

        Assert.Equal(["dns/udp"], _registry.Snapshot("dns").Select(c => c.Name));
    }
}
