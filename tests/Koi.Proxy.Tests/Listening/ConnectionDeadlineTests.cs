using Koi.Proxy.Listening;

namespace Koi.Proxy.Tests.Listening;

/// <summary>
/// One deadline per client connection: re-armed per phase, and on a shared port handed from the port to the entry
/// the ClientHello named, after which the entry's stop cancels it and the port's no longer does.
/// </summary>
public sealed class ConnectionDeadlineTests
{
    [Fact]
    public void HandOver_OldHolderStops_NotCancelled_NewHolderStops_Cancelled()
    {
        var time = new ManualTimeProvider();
        using var port = new CancellationTokenSource();
        using var entry = new CancellationTokenSource();
        using var deadline = new ConnectionDeadline(TimeSpan.FromSeconds(3), time, port.Token);

        deadline.HandOver(entry.Token);
        port.Cancel();
        Assert.False(deadline.Token.IsCancellationRequested);

        entry.Cancel();
        Assert.True(deadline.Token.IsCancellationRequested);
    }

    [Fact]
    public void HandOver_KeepsTheTimeLeftInThePhase()
    {
        var time = new ManualTimeProvider();
        using var port = new CancellationTokenSource();
        using var entry = new CancellationTokenSource();
        using var deadline = new ConnectionDeadline(TimeSpan.FromSeconds(3), time, port.Token);
        time.Advance(TimeSpan.FromSeconds(1));
        deadline.Rearm(TimeSpan.FromSeconds(5));

        time.Advance(TimeSpan.FromSeconds(4));
        deadline.HandOver(entry.Token);
        Assert.False(deadline.Token.IsCancellationRequested);

        time.Advance(TimeSpan.FromSeconds(1));
        Assert.True(deadline.Token.IsCancellationRequested);
    }
}
