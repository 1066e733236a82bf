using System.Net;
using Koi.Core.Status;
using Koi.Mdns.Transport;
using Microsoft.Extensions.Logging.Abstractions;

namespace Koi.Mdns.Tests.Transport;

/// <summary>When the interface watch looks (docs/mdns.md, "Network changes"): soon after a report, otherwise seldom.</summary>
public class InterfaceWatchTests
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(30);

    [Fact]
    public void Start_TransportReportsChanges_NoLookUntilTheIntervalWithoutAReport()
    {
        var (time, transport, watch, health, _) = Create(reports: true);
        watch.Start();

        time.Advance(Interval - TimeSpan.FromMilliseconds(1));
        Assert.Equal(0, transport.Refreshes);
        time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(1, transport.Refreshes);
        Assert.Equal(ComponentState.Running, health.Snapshot.State);
        Assert.Equal("interfaces checked when the system reports a network change, and every 30 s", health.Snapshot.Reason);
    }

    [Fact]
    public void Report_AddressAdded_OneLookAfterTheSettleTimeThatSeesTheChange()
    {
        var (time, transport, watch, _, changes) = Create(reports: true);
        watch.Start();
        time.Advance(TimeSpan.FromSeconds(5));

        transport.AddAddress("10.0.0.99");
        transport.AddAddress("10.0.0.98");
        transport.SetUp(true);
        time.Advance(InterfaceWatch.Settle - TimeSpan.FromMilliseconds(1));
        Assert.Equal(0, transport.Refreshes);
        time.Advance(TimeSpan.FromMilliseconds(1));

        Assert.Equal(1, transport.Refreshes);
        Assert.Equal(1, changes());
        // The next look without a report is a whole interval after this one.
        time.Advance(Interval - TimeSpan.FromMilliseconds(1));
        Assert.Equal(1, transport.Refreshes);
        time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(2, transport.Refreshes);
    }

    [Fact]
    public void Report_AfterALook_AsksForAnotherLook()
    {
        var (time, transport, watch, _, changes) = Create(reports: true);
        watch.Start();
        transport.AddAddress("10.0.0.99");
        time.Advance(InterfaceWatch.Settle);

        transport.RemoveAddress("10.0.0.99");
        time.Advance(InterfaceWatch.Settle);

        Assert.Equal(2, transport.Refreshes);
        Assert.Equal(2, changes());
    }

    [Fact]
    public void Start_TransportGivesNoReports_PollsEveryTwoSecondsAndSaysWhy()
    {
        var (time, transport, watch, health, _) = Create(reports: false);
        watch.Start();

        time.Advance(TimeSpan.FromSeconds(6));

        Assert.Equal(3, transport.Refreshes);
        Assert.Equal("interfaces checked every 2 s: the virtual link reports no changes", health.Snapshot.Reason);
    }

    [Fact]
    public void Dispose_TransportReportsChanges_ReportsNoLongerLook()
    {
        var (time, transport, watch, _, _) = Create(reports: true);
        watch.Start();
        watch.Dispose();

        transport.AddAddress("10.0.0.99");
        time.Advance(Interval * 2);

        Assert.Equal(0, transport.Refreshes);
    }

    [Fact]
    public async Task NetworkChangeSubscription_AddressAddedAndLinkDownInANamespace_Reported()
    {
        var unavailable = NetworkNamespace.Unavailable();
        Assert.SkipWhen(unavailable is not null, unavailable ?? string.Empty);
        using var ns = NetworkNamespace.Create();
        var reported = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        // The netlink socket belongs to the namespace of the thread that opens it.
        using var subscription = await ns.RunInsideAsync(() => NetworkChangeSubscription.TryStart(() => Volatile.Read(ref reported).TrySetResult(), out _));
        Assert.NotNull(subscription);
        await Task.Delay(300, TestContext.Current.CancellationToken);

        Volatile.Write(ref reported, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        ns.Exec("ip", $"addr add 10.99.0.7/24 dev {NetworkNamespace.Interface}");
        await reported.Task.WaitAsync(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken);

        Volatile.Write(ref reported, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        ns.Exec("ip", $"link set {NetworkNamespace.Interface} down");
        await reported.Task.WaitAsync(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken);
    }

    private static (ManualTimeProvider Time, VirtualTransport Transport, InterfaceWatch Watch, ComponentHealth Health, Func<int> Changes) Create(bool reports)
    {
        var time = new ManualTimeProvider();
        var transport = new VirtualLan(time).Attach("10.0.0.1");
        transport.ReportsChanges = reports;
        var health = new ComponentHealth("mdns/interface-watch", time);
        var changes = 0;
        var watch = new InterfaceWatch(transport, time, Interval, () => changes++, health, NullLogger.Instance);
        return (time, transport, watch, health, () => changes);
    }
}
