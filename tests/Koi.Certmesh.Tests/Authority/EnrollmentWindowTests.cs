using Koi.Certmesh.Roster;
using Koi.Core.Errors;

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

    private static async Task Poll(Func<bool> condition)
    {
        for (var i = 0; i < 200 && !condition(); i++)
        {
            await Task.Delay(10);
        }

        Assert.True(condition());
    }
}
