using Koi.Core.Errors;
using Koi.Core.Status;
using Koi.Proxy.Tests.Support;
using Koi.Testing;

namespace Koi.Proxy.Tests.Naming;

public sealed class EntryAnnouncerTests
{
    [Fact]
    public async Task Add_AnnouncesServiceTypeOnListenPort_OffersLabel_RemoveWithdrawsBoth()
    {
        var advertiser = new RecordingAdvertiser();
        await using var proxy = new ProxyHarness(advertiser: advertiser);
        proxy.Service.Start();
        var port = KoiProcess.FreeTcpPort();

        await proxy.AddAsync("grafana", port, "http://127.0.0.1:3000");

        var announced = Assert.Single(advertiser.Active);
        Assert.Equal(("grafana on stone-test", "_grafana._tcp", port), (announced.Name, announced.Type, announced.Port));
        Assert.Equal(["grafana"], proxy.Board.Wanted());
        Assert.Equal(ComponentState.Running, proxy.Status.Snapshot("proxy").Single(c => c.Name == "proxy/names").State);

        await proxy.Service.RemoveAsync("grafana");

        Assert.Empty(advertiser.Active);
        Assert.Empty(proxy.Board.Wanted());
    }

    [Fact]
    public async Task StartAsync_NoEntries_NamesRunningNotStarting()
    {
        await using var proxy = new ProxyHarness(advertiser: new RecordingAdvertiser());

        await proxy.Service.StartAsync(TestContext.Current.CancellationToken);

        var names = proxy.Status.Snapshot("proxy").Single(c => c.Name == "proxy/names");
        Assert.Equal(ComponentState.Running, names.State);
        Assert.Equal("no names announced", names.Reason);
    }

    [Fact]
    public async Task Add_NoAlias_NothingAnnouncedNothingOffered()
    {
        var advertiser = new RecordingAdvertiser();
        await using var proxy = new ProxyHarness(advertiser: advertiser);
        proxy.Service.Start();

        await proxy.AddAsync("grafana", KoiProcess.FreeTcpPort(), "http://127.0.0.1:3000", noAlias: true);

        Assert.Empty(advertiser.Active);
        Assert.Empty(proxy.Board.Wanted());
    }

    [Theory]
    [InlineData("my_app")]
    [InlineData("a-very-long-service")]
    [InlineData("12345")]
    public async Task Add_NameThatCannotBeAnAlias_400NamingNoAlias_NothingSaved(string name)
    {
        await using var proxy = new ProxyHarness(advertiser: new RecordingAdvertiser());
        proxy.Service.Start();

        var error = await Assert.ThrowsAsync<KoiException>(() => proxy.AddAsync(name, KoiProcess.FreeTcpPort(), "http://127.0.0.1:3000"));

        Assert.Equal(KoiErrorCode.InvalidRequest, error.Code);
        Assert.Contains("--no-alias", error.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(proxy.StatePath));
    }

    [Fact]
    public async Task Restart_SavedEntriesAnnouncedAgain()
    {
        var advertiser = new RecordingAdvertiser();
        await using var proxy = new ProxyHarness(advertiser: advertiser);
        proxy.Service.Start();
        await proxy.AddAsync("wiki", KoiProcess.FreeTcpPort(), "http://127.0.0.1:3000");

        await proxy.RestartAsync();

        Assert.Equal("_wiki._tcp", Assert.Single(advertiser.Active).Type);
        Assert.Equal(["wiki"], proxy.Board.Wanted());
    }

    [Fact]
    public async Task Add_AnnouncingFails_EntryServesAndNamesComponentFailedWithReason()
    {
        var advertiser = new FailingAdvertiser("engine stopped");
        await using var proxy = new ProxyHarness(advertiser: advertiser);
        proxy.Service.Start();

        await proxy.AddAsync("grafana", KoiProcess.FreeTcpPort(), "http://127.0.0.1:3000");

        var names = proxy.Status.Snapshot("proxy").Single(c => c.Name == "proxy/names");
        Assert.Equal(ComponentState.Failed, names.State);
        Assert.Contains("engine stopped", names.Reason, StringComparison.Ordinal);
        Assert.Equal("listening", proxy.StatusOf("grafana").State);
    }
}
