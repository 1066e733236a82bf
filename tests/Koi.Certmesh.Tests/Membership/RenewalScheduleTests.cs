using Koi.Certmesh.Membership;
using Koi.Certmesh.MeshPlane;
using Microsoft.Extensions.Time.Testing;

namespace Koi.Certmesh.Tests.Membership;

public sealed class RenewalScheduleTests
{
    private static readonly DateTimeOffset Issued = new(2026, 11, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly MeshPolicyView Default = new((long)TimeSpan.FromDays(30).TotalSeconds, (long)TimeSpan.FromDays(20).TotalSeconds);

    [Fact]
    public void RenewAt_DefaultPolicy_Day20LessAtMostAnHourOfJitter()
    {
        var renewAt = RenewalSchedule.RenewAt(Issued, Issued + TimeSpan.FromDays(30), Default, "0a1b2c");

        Assert.InRange(renewAt, Issued + TimeSpan.FromDays(20) - TimeSpan.FromHours(1), Issued + TimeSpan.FromDays(20));
    }

    [Fact]
    public void RenewAt_SameSerial_SamePointAfterRestartOtherSerialsSpread()
    {
        var points = Enumerable.Range(0, 50).Select(i => RenewalSchedule.RenewAt(Issued, Issued + TimeSpan.FromDays(30), Default, $"serial{i}")).ToList();

        Assert.Equal(RenewalSchedule.RenewAt(Issued, Issued + TimeSpan.FromDays(30), Default, "serial7"), points[7]);
        Assert.True(points.Distinct().Count() > 40);
    }

    [Fact]
    public void RenewAt_ThreeMinuteTestPolicy_AroundMinuteTwo()
    {
        var policy = new MeshPolicyView(180, 120);

        var renewAt = RenewalSchedule.RenewAt(Issued, Issued + TimeSpan.FromMinutes(3), policy, "ff");

        Assert.InRange(renewAt, Issued + TimeSpan.FromSeconds(114), Issued + TimeSpan.FromMinutes(2));
    }

    [Fact]
    public void RenewAt_PolicyUnknown_TwoThirdsOfTheCertificatesLifetime()
    {
        var renewAt = RenewalSchedule.RenewAt(Issued, Issued + TimeSpan.FromDays(30), null, "ab");

        Assert.InRange(renewAt, Issued + TimeSpan.FromDays(20) - TimeSpan.FromHours(1), Issued + TimeSpan.FromDays(20));
    }

    [Fact]
    public void Warning_ThreeMinuteLifetime_SilentWhenFreshLoudOnlyInTheLastTenth()
    {
        var notBefore = Issued;
        var notAfter = Issued + TimeSpan.FromMinutes(3);

        Assert.Null(RenewalSchedule.Warning(notBefore, notAfter, Issued + TimeSpan.FromSeconds(30), "cert"));
        Assert.Contains("less than a third", RenewalSchedule.Warning(notBefore, notAfter, Issued + TimeSpan.FromSeconds(125), "cert"), StringComparison.Ordinal);
        Assert.Contains("expires in", RenewalSchedule.Warning(notBefore, notAfter, Issued + TimeSpan.FromSeconds(165), "cert"), StringComparison.Ordinal);
        Assert.Equal(2, RenewalSchedule.WarningLevel(notBefore, notAfter, Issued + TimeSpan.FromSeconds(165)));
    }

    [Fact]
    public void Warning_ClockMovesThroughALifetime_SilentThenThirdThenThreeDaysThenExpired()
    {
        var clock = new FakeTimeProvider(Issued);
        var notAfter = Issued + TimeSpan.FromDays(30);

        clock.Advance(TimeSpan.FromDays(19));
        Assert.Null(RenewalSchedule.Warning(Issued, notAfter, clock.GetUtcNow(), "cert"));
        clock.Advance(TimeSpan.FromDays(2));
        Assert.Contains("less than a third", RenewalSchedule.Warning(Issued, notAfter, clock.GetUtcNow(), "cert"), StringComparison.Ordinal);
        clock.Advance(TimeSpan.FromDays(7) + TimeSpan.FromHours(1));
        Assert.Contains("expires in", RenewalSchedule.Warning(Issued, notAfter, clock.GetUtcNow(), "cert"), StringComparison.Ordinal);
        clock.Advance(TimeSpan.FromDays(2));
        Assert.Contains("EXPIRED", RenewalSchedule.Warning(Issued, notAfter, clock.GetUtcNow(), "cert"), StringComparison.Ordinal);
    }

    [Fact]
    public void NextAttempt_Failures_DoublesFrom30SecondsCappedAtATenthOfWhatIsLeft()
    {
        var notAfter = Issued + TimeSpan.FromDays(10);

        Assert.Equal(Issued + TimeSpan.FromSeconds(30), RenewalSchedule.NextAttempt(Issued, 1, notAfter));
        Assert.Equal(Issued + TimeSpan.FromSeconds(60), RenewalSchedule.NextAttempt(Issued, 2, notAfter));
        Assert.Equal(Issued + TimeSpan.FromSeconds(120), RenewalSchedule.NextAttempt(Issued, 3, notAfter));
        Assert.Equal(Issued + TimeSpan.FromMinutes(1), RenewalSchedule.NextAttempt(Issued, 9, Issued + TimeSpan.FromMinutes(10)));
    }
}
