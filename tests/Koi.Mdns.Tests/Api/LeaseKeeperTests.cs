using Koi.Core.Status;
using Koi.Mdns.Api;
using Microsoft.Extensions.Logging;

namespace Koi.Mdns.Tests.Api;

public class LeaseKeeperTests
{
    private static readonly TimeSpan Expired = LeaseKeeper.MinLease + LeaseKeeper.Grace + TimeSpan.FromSeconds(1);

    [Fact]
    public void Sweep_WithdrawalThrows_OthersWithdrawnAndFailedOneRetriedWhileStatusStaysFailed()
    {
        var time = new ManualTimeProvider();
        var status = new StatusRegistry(time);
        var logger = new RecordingLogger();
        var withdrawn = new List<string>();
        var attempts = 0;
        var failing = true;
        using var leases = new LeaseKeeper(
            id =>
            {
                if (id == "first")
                {
                    attempts++;
                    if (failing)
                    {
                        throw new InvalidOperationException("send failed");
                    }
                }

                withdrawn.Add(id);
                return Task.FromResult(true);
            },
            time,
            status,
            logger);
        leases.Start();
        leases.Add("first", LeaseKeeper.MinLease);
        leases.Add("second", LeaseKeeper.MinLease);

        time.Advance(Expired);
        Assert.Equal(["second"], withdrawn);
        var attemptsAtExpiry = attempts;
        time.Advance(TimeSpan.FromSeconds(3));
        var whileFailing = Leases(status);
        var attemptsWhileFailing = attempts;
        failing = false;
        time.Advance(TimeSpan.FromSeconds(1));

        Assert.Equal(ComponentState.Failed, whileFailing.State);
        Assert.Contains("1 expired registrations could not be withdrawn", whileFailing.Reason, StringComparison.Ordinal);
        Assert.Contains("send failed", whileFailing.Reason, StringComparison.Ordinal);
        Assert.Equal(attemptsAtExpiry + 3, attemptsWhileFailing); // retried every sweep
        Assert.Single(logger.Entries, e => e.Level == LogLevel.Error && e.Message.Contains("first", StringComparison.Ordinal));
        Assert.Equal(["second", "first"], withdrawn);
        Assert.Equal(ComponentState.Running, Leases(status).State);
        Assert.Equal("0 leases", Leases(status).Reason);
        Assert.Equal(0, leases.Count);
    }

    [Fact]
    public void Sweep_AlreadyWithdrawn_DroppedWithoutRetry()
    {
        var time = new ManualTimeProvider();
        var status = new StatusRegistry(time);
        var calls = 0;
        using var leases = new LeaseKeeper(_ => Task.FromResult(++calls < 0), time, status, new RecordingLogger());
        leases.Start();
        leases.Add("gone", LeaseKeeper.MinLease);

        time.Advance(Expired + TimeSpan.FromSeconds(3));

        Assert.Equal(1, calls);
        Assert.Equal(ComponentState.Running, Leases(status).State);
    }

    private static ComponentSnapshot Leases(StatusRegistry status) =>
        Assert.Single(status.Snapshot("mdns"), c => c.Name == "mdns/leases");
}
