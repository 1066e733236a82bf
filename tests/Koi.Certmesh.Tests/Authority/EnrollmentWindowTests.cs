using Koi.Certmesh.Authority;
using Koi.Certmesh.Roster;
using Koi.Core.Errors;
using Koi.Core.Status;
using Koi.Testing;
using Microsoft.Extensions.Logging;

namespace Koi.Certmesh.Tests.Authority;

public sealed class EnrollmentWindowTests
{
    [Fact]
    public async Task OpenEnrollment_Duration_ClosesItselfAndAudits()
    {
        await using var h = new CertmeshHarness();
        await h.CreateAsync(TrustProfile.Organization);
        var view = await h.Authority.OpenEnrollmentAsync(TimeSpan.FromHours(2), CancellationToken.None);
        Assert.Equal(EnrollmentState.Open, view.EnrollmentState);
        Assert.Equal(h.Time.GetUtcNow() + TimeSpan.FromHours(2), view.EnrollmentClosesAt);

        h.Time.Advance(TimeSpan.FromMinutes(119));
        Assert.Equal(EnrollmentState.Open, h.Authority.Roster.Current!.Metadata.EnrollmentState);
        h.Time.Advance(TimeSpan.FromMinutes(2));
        await Poll(() => h.Authority.Roster.Current!.Metadata.EnrollmentState == EnrollmentState.Closed);
        Assert.Null(h.Authority.Roster.Current!.Metadata.EnrollmentClosesAt);
        Assert.Equal("enrollment_closed", h.AuditEvents()[^1]);
        Assert.Contains("reason=window_expired", File.ReadAllLines(h.Files.AuditLog)[^1]);
    }

    [Fact]
    public async Task Load_WindowExpiredWhileDown_ClosedAtStart()
    {
        await using var h = new CertmeshHarness();
        await h.CreateAsync();
        await h.Authority.OpenEnrollmentAsync(TimeSpan.FromMinutes(10), CancellationToken.None);
        await h.Authority.DisposeAsync();
        h.Time.Advance(TimeSpan.FromHours(1));
        await h.RestartAsync();
        Assert.Equal(EnrollmentState.Closed, h.Authority.Roster.Current!.Metadata.EnrollmentState);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-5)]
    [InlineData(60 * 24 * 31)]
    public async Task OpenEnrollment_BadDuration_400AndNothingChanges(int minutes)
    {
        await using var h = new CertmeshHarness();
        await h.CreateAsync(TrustProfile.Organization);
        var before = File.ReadAllText(h.Files.Roster);
        var ex = await Assert.ThrowsAsync<KoiException>(() => h.Authority.OpenEnrollmentAsync(TimeSpan.FromMinutes(minutes), CancellationToken.None));
        Assert.Equal(400, ex.HttpStatus);
        Assert.Equal(before, File.ReadAllText(h.Files.Roster));
    }

    [Fact]
    public async Task SetPolicy_RenewAfterLifetime_400()
    {
        await using var h = new CertmeshHarness();
        await h.CreateAsync();
        var ex = await Assert.ThrowsAsync<KoiException>(() => h.Authority.SetPolicyAsync(10, 20, CancellationToken.None));
        Assert.Equal(400, ex.HttpStatus);
        var policy = await h.Authority.SetPolicyAsync(60, 40, CancellationToken.None);
        Assert.Equal(60, h.Authority.Roster.Current!.Metadata.Policy.LifetimeDays);
        Assert.Equal(40, policy.RenewAtDay);
    }

    [Fact]
    public async Task Create_WithConfiguredDefaultPolicy_OwnCertificateUsesIt()
    {
        await using var h = new CertmeshHarness(policy: (90, 60));

        await h.CreateAsync();

        Assert.Equal(90, h.Authority.Roster.Current!.Metadata.Policy.LifetimeDays);
        Assert.Equal(60, h.Authority.Roster.Current.Metadata.Policy.RenewAtDay);
        using var cert = System.Security.Cryptography.X509Certificates.X509Certificate2.CreateFromPem(
            File.ReadAllText(Path.Combine(h.Files.CertPath("stone-a"), "cert.pem")));
        Assert.InRange((cert.NotAfter - cert.NotBefore).TotalDays, 89.9, 90.1);
    }

    [Fact]
    public async Task WindowTimer_FiresBeforeWallClockDeadline_RearmsAndCloses()
    {
        var time = new ManualTimeProvider(DateTimeOffset.UtcNow);
        var wall = new SkewedClock(time);
        await using var h = new CertmeshHarness(time: time, clock: wall);
        await h.CreateAsync(TrustProfile.Organization);
        await h.Authority.OpenEnrollmentAsync(TimeSpan.FromHours(2), TestContext.Current.CancellationToken);

        // The wall clock falls a second behind the timers' clock: the timer fires while the window is not yet due.
        wall.Skew = TimeSpan.FromSeconds(-1);
        h.Time.Advance(TimeSpan.FromHours(2));
        Assert.Equal(EnrollmentState.Open, h.Authority.Roster.Current!.Metadata.EnrollmentState);

        h.Time.Advance(TimeSpan.FromSeconds(1));
        await Poll(() => h.Authority.Roster.Current!.Metadata.EnrollmentState == EnrollmentState.Closed);
        Assert.Equal(ComponentState.Running, Window(h).State);
        Assert.Equal("enrollment closed", Window(h).Reason);
    }

    [Fact]
    public async Task WindowTimer_RosterNotWritable_FailedLoggedAndClosesOnRetry()
    {
        await using var h = new CertmeshHarness();
        await h.CreateAsync(TrustProfile.Organization);
        await h.Authority.OpenEnrollmentAsync(TimeSpan.FromHours(2), TestContext.Current.CancellationToken);

        // A non-empty directory where roster.json belongs: the save fails, even for root.
        var saved = File.ReadAllBytes(h.Files.Roster);
        File.Delete(h.Files.Roster);
        Directory.CreateDirectory(h.Files.Roster);
        File.WriteAllText(Path.Combine(h.Files.Roster, "in-the-way"), "x");
        h.Time.Advance(TimeSpan.FromHours(2));

        await Poll(() => Window(h).State == ComponentState.Failed);
        Assert.Contains("could not be closed", Window(h).Reason, StringComparison.Ordinal);
        Assert.Single(h.Logger.Entries, e => e.Level == LogLevel.Error && e.Message.Contains("could not be closed", StringComparison.Ordinal));

        // A retry that fails the same way is shown, not logged again.
        h.Time.Advance(CertmeshAuthority.WindowCloseRetry);
        Assert.Equal(ComponentState.Failed, Window(h).State);
        Assert.Single(h.Logger.Entries, e => e.Level == LogLevel.Error && e.Message.Contains("could not be closed", StringComparison.Ordinal));

        Directory.Delete(h.Files.Roster, recursive: true);
        File.WriteAllBytes(h.Files.Roster, saved);
        h.Time.Advance(CertmeshAuthority.WindowCloseRetry);

        await Poll(() => h.Authority.Roster.Current!.Metadata.EnrollmentState == EnrollmentState.Closed);
        Assert.Equal(ComponentState.Running, Window(h).State);
        Assert.Equal("enrollment closed", Window(h).Reason);
        Assert.Contains("reason=window_expired", File.ReadAllLines(h.Files.AuditLog)[^1]);
    }

    [Fact]
    public async Task WindowTimer_UnexpectedException_FailedLoggedNotLeftOpenLooking()
    {
        await using var h = new CertmeshHarness();
        await h.CreateAsync(TrustProfile.Organization);
        await h.Authority.OpenEnrollmentAsync(TimeSpan.FromHours(2), TestContext.Current.CancellationToken);

        // Not an IOException: one that used to vanish in the unobserved timer task.
        var throwOnce = true;
        h.Authority.Roster.Changed += (_, _) =>
        {
            if (throwOnce)
            {
                throwOnce = false;
                throw new InvalidOperationException("subscriber broke");
            }
        };
        h.Time.Advance(TimeSpan.FromHours(2));

        await Poll(() => Window(h).State == ComponentState.Failed);
        Assert.Contains("subscriber broke", Window(h).Reason, StringComparison.Ordinal);
        Assert.Contains(h.Logger.Entries, e => e.Level == LogLevel.Error && e.Message.Contains("could not be closed", StringComparison.Ordinal));

        h.Time.Advance(CertmeshAuthority.WindowCloseRetry);
        await Poll(() => Window(h).State == ComponentState.Running);
        Assert.Equal("enrollment closed", Window(h).Reason);
        Assert.Equal(EnrollmentState.Closed, h.Authority.Roster.Current!.Metadata.EnrollmentState);
    }

    private static ComponentSnapshot Window(CertmeshHarness h) =>
        h.Status.Snapshot("certmesh").Single(c => c.Name == "certmesh/enrollment_window");

    private static async Task Poll(Func<bool> condition)
    {
        for (var i = 0; i < 200 && !condition(); i++)
        {
            await Task.Delay(10);
        }

        Assert.True(condition());
    }

    /// <summary>A wall clock that can drift from the manual clock the timers run on.</summary>
    private sealed class SkewedClock(ManualTimeProvider inner) : TimeProvider
    {
        public TimeSpan Skew { get; set; }

        public override DateTimeOffset GetUtcNow() => inner.GetUtcNow() + Skew;

        public override long GetTimestamp() => inner.GetTimestamp();

        public override long TimestampFrequency => inner.TimestampFrequency;

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) =>
            inner.CreateTimer(callback, state, dueTime, period);
    }
}
