using Koi.Certmesh.Crypto;
using Koi.Core.Errors;
using Koi.Core.Status;

namespace Koi.Certmesh.Tests.Authority;

public sealed class LockTests
{
    [Fact]
    public async Task Restart_AfterCreate_StartsLockedAndSigningIsCaLocked()
    {
        await using var h = new CertmeshHarness();
        await h.CreateAsync();
        await h.RestartAsync();

        Assert.True(h.Authority.Locked);
        Assert.Contains(h.Status.Snapshot("certmesh"), c => c.Name == "certmesh/authority" && c.State == ComponentState.Running && c.Reason!.StartsWith("locked", StringComparison.Ordinal));
        var status = await h.Authority.StatusAsync(CancellationToken.None);
        Assert.True(status.Initialized);
        Assert.True(status.Locked);
        Assert.Contains(status.Warnings, w => w.StartsWith("CA locked", StringComparison.Ordinal));
        var ex = await Assert.ThrowsAsync<KoiException>(() => h.Authority.RotateTotpAsync(null, CancellationToken.None));
        Assert.Equal(KoiErrorCode.CaLocked, ex.Code);
        Assert.Equal(503, ex.HttpStatus);
        Assert.Equal("denied", h.AuditEvents()[^1]);
    }

    [Fact]
    public async Task Unlock_WrongPassphrase_401AuditedAndStillLocked()
    {
        await using var h = new CertmeshHarness();
        await h.CreateAsync();
        await h.RestartAsync();

        var ex = await Assert.ThrowsAsync<KoiException>(() => h.Authority.UnlockAsync("not the passphrase", CancellationToken.None));
        Assert.Equal(401, ex.HttpStatus);
        Assert.DoesNotContain("not the passphrase", ex.Message, StringComparison.Ordinal);
        Assert.True(h.Authority.Locked);
        Assert.Equal("unlock_failed", h.AuditEvents()[^1]);
        Assert.DoesNotContain("not the passphrase", File.ReadAllText(h.Files.AuditLog), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unlock_ThreeFailures_RateLimitedUntilLockoutPasses()
    {
        await using var h = new CertmeshHarness();
        await h.CreateAsync();
        await h.RestartAsync();
        for (var i = 0; i < 3; i++)
        {
            await Assert.ThrowsAsync<KoiException>(() => h.Authority.UnlockAsync("wrong wrong wrong", CancellationToken.None));
        }

        // Even the right passphrase waits out the lockout: guessing gains nothing from it.
        var limited = await Assert.ThrowsAsync<KoiException>(() => h.Authority.UnlockAsync(CertmeshHarness.Passphrase, CancellationToken.None));
        Assert.Equal(KoiErrorCode.RateLimited, limited.Code);
        Assert.InRange(limited.RetryAfterSeconds!.Value, 1, 300);
        Assert.Equal("unlock_refused", h.AuditEvents()[^1]);

        h.Time.Advance(TimeSpan.FromMinutes(5));
        await h.Authority.UnlockAsync(CertmeshHarness.Passphrase, CancellationToken.None);
        Assert.False(h.Authority.Locked);
        Assert.Equal(["ca_unlocked", "trust_bundle_published"], h.AuditEvents()[^2..]);
    }

    [Fact]
    public async Task UnlockThenLock_RightPassphrase_SignsThenRefusesAgainAndWithdrawsAnnouncement()
    {
        await using var h = new CertmeshHarness();
        await h.CreateAsync();
        await h.RestartAsync();
        Assert.Empty(h.Advertiser.Active);

        await h.Authority.UnlockAsync(CertmeshHarness.Passphrase, CancellationToken.None);
        Assert.Single(h.Advertiser.Active);
        var rotated = await h.Authority.RotateTotpAsync(null, CancellationToken.None);
        Assert.StartsWith("otpauth://", rotated.TotpUri);

        await h.Authority.LockAsync(CancellationToken.None);
        Assert.True(h.Authority.Locked);
        Assert.Empty(h.Advertiser.Active);
        await Assert.ThrowsAsync<KoiException>(() => h.Authority.RotateTotpAsync(null, CancellationToken.None));
    }

    [Fact]
    public async Task RotateTotp_OldCode_RejectedAtOnceNewAccepted()
    {
        await using var h = new CertmeshHarness();
        var created = await h.CreateAsync();
        var oldSecret = Base32.Decode(created.TotpUri.Split("secret=")[1].Split('&')[0]);
        var limiter = new Koi.Certmesh.Authority.FailureLimiter(100, TimeSpan.FromMinutes(5), h.Time);
        Assert.True(h.Authority.VerifyTotp(Totp.Code(oldSecret, h.Time.GetUtcNow()), limiter, "test"));

        var rotated = await h.Authority.RotateTotpAsync(null, CancellationToken.None);
        var newSecret = Base32.Decode(rotated.TotpUri.Split("secret=")[1].Split('&')[0]);
        Assert.False(h.Authority.VerifyTotp(Totp.Code(oldSecret, h.Time.GetUtcNow()), limiter, "test"));
        Assert.True(h.Authority.VerifyTotp(Totp.Code(newSecret, h.Time.GetUtcNow()), limiter, "test"));
        Assert.Equal(h.Time.GetUtcNow(), h.Authority.Roster.Current!.Metadata.TotpRotatedAt);

        // The rotated secret survives a restart: unlock opens the new one.
        await h.RestartAsync();
        await h.Authority.UnlockAsync(CertmeshHarness.Passphrase, CancellationToken.None);
        Assert.True(h.Authority.VerifyTotp(Totp.Code(newSecret, h.Time.GetUtcNow()), limiter, "test"));
    }

    [Fact]
    public async Task Operations_NoCa_CaNotInitialized503()
    {
        await using var h = new CertmeshHarness();
        await h.Authority.LoadAsync(CancellationToken.None);
        var ex = await Assert.ThrowsAsync<KoiException>(() => h.Authority.UnlockAsync("whatever passphrase", CancellationToken.None));
        Assert.Equal(KoiErrorCode.CaNotInitialized, ex.Code);
        Assert.Equal(503, ex.HttpStatus);
        Assert.False((await h.Authority.StatusAsync(CancellationToken.None)).Initialized);
    }
}
