using System.Text.Json;
using Koi.Certmesh.Crypto;
using Koi.Certmesh.Enrollment;
using Koi.Certmesh.Roster;
using Koi.Core.Errors;

namespace Koi.Certmesh.Tests.Enrollment;

/// <summary>Wrong codes, lockouts, the mesh-wide throttle and single-use codes — and that a restart forgets none of them.</summary>
public sealed class JoinLimitTests
{
    [Fact]
    public async Task Join_WrongCode_401InvalidTotpAndAudited()
    {
        await using var kit = await JoinKit.CreateAsync();

        var ex = await kit.RefusedAsync("stone-b", kit.WrongCode());

        Assert.Equal(KoiErrorCode.InvalidTotp, ex.Code);
        Assert.Equal(401, ex.HttpStatus);
        Assert.Contains("join_refused reason=invalid_totp from=10.77.0.12 hostname=stone-b", kit.LastAudit());
        Assert.DoesNotContain("code=", kit.LastAudit());
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("12345")]
    [InlineData("1234567")]
    [InlineData("abcdef")]
    public async Task Join_MissingOrMalformedCode_401InvalidTotp(string? code)
    {
        await using var kit = await JoinKit.CreateAsync();

        Assert.Equal(KoiErrorCode.InvalidTotp, (await kit.RefusedAsync("stone-b", code)).Code);
    }

    [Fact]
    public async Task Join_AdjacentStep_AcceptedForClockSkew()
    {
        await using var kit = await JoinKit.CreateAsync();

        Assert.NotNull((await kit.JoinAsync("stone-b", kit.Code(-1))).Issued);
        Assert.NotNull((await kit.JoinAsync("stone-c", kit.Code(1), JoinKit.C)).Issued);
        Assert.Equal(KoiErrorCode.InvalidTotp, (await kit.RefusedAsync("stone-d", kit.Code(2), "10.77.0.14")).Code);
    }

    [Fact]
    public async Task Join_ThreeWrongCodes_429ForThatSourceEvenWithRightCodeForFiveMinutes()
    {
        await using var kit = await JoinKit.CreateAsync();
        for (var i = 0; i < 2; i++)
        {
            Assert.Equal(KoiErrorCode.InvalidTotp, (await kit.RefusedAsync("stone-c", kit.WrongCode(), JoinKit.C)).Code);
        }

        var third = await kit.RefusedAsync("stone-c", kit.WrongCode(), JoinKit.C);
        Assert.Equal(KoiErrorCode.InvalidTotp, third.Code);
        Assert.Contains("lockout=started", kit.LastAudit());

        var locked = await kit.RefusedAsync("stone-c", kit.Code(), JoinKit.C);
        Assert.Equal(KoiErrorCode.RateLimited, locked.Code);
        Assert.Equal(429, locked.HttpStatus);
        Assert.Equal(300, locked.RetryAfterSeconds);
        Assert.Contains("join_refused reason=rate_limited from=10.77.0.13", kit.LastAudit());

        // Another source is not affected.
        Assert.NotNull((await kit.JoinAsync("stone-b", kit.Code(), JoinKit.B)).Issued);

        kit.H.Time.Advance(TimeSpan.FromMinutes(4));
        var later = await kit.RefusedAsync("stone-c", kit.Code(), JoinKit.C);
        Assert.Equal(KoiErrorCode.RateLimited, later.Code);
        Assert.InRange(later.RetryAfterSeconds!.Value, 1, 60);

        kit.H.Time.Advance(TimeSpan.FromSeconds(61));
        Assert.NotNull((await kit.JoinAsync("stone-c", kit.Code(), JoinKit.C)).Issued);
    }

    [Fact]
    public async Task Join_WrongCodesSpreadOverTime_DoNotAddUp()
    {
        await using var kit = await JoinKit.CreateAsync();
        await kit.RefusedAsync("stone-c", kit.WrongCode(), JoinKit.C);
        await kit.RefusedAsync("stone-c", kit.WrongCode(), JoinKit.C);
        kit.H.Time.Advance(TimeSpan.FromMinutes(6));

        Assert.Equal(KoiErrorCode.InvalidTotp, (await kit.RefusedAsync("stone-c", kit.WrongCode(), JoinKit.C)).Code);
        Assert.NotNull((await kit.JoinAsync("stone-c", kit.Code(), JoinKit.C)).Issued);
    }

    [Fact]
    public async Task Join_IPv6SameSlash64_SharesOneLimit()
    {
        await using var kit = await JoinKit.CreateAsync();
        await kit.RefusedAsync("stone-c", kit.WrongCode(), "fd77::1:1");
        await kit.RefusedAsync("stone-c", kit.WrongCode(), "fd77::1:2");
        await kit.RefusedAsync("stone-c", kit.WrongCode(), "fd77::1:3");

        Assert.Equal(KoiErrorCode.RateLimited, (await kit.RefusedAsync("stone-c", kit.Code(), "fd77::9:9")).Code);
        Assert.NotNull((await kit.JoinAsync("stone-c", kit.Code(), "fd77:0:0:1::1")).Issued);
    }

    [Fact]
    public async Task Join_LockoutSurvivesRestart()
    {
        await using var kit = await JoinKit.CreateAsync();
        for (var i = 0; i < 3; i++)
        {
            await kit.RefusedAsync("stone-c", kit.WrongCode(), JoinKit.C);
        }

        await kit.H.RestartAsync();
        await kit.Ca.UnlockAsync(CertmeshHarness.Passphrase, CancellationToken.None);

        Assert.Equal(KoiErrorCode.RateLimited, (await kit.RefusedAsync("stone-c", kit.Code(), JoinKit.C)).Code);
    }

    [Fact]
    public async Task Join_TwoFailuresThenRestart_ThirdStillLocksOut()
    {
        await using var kit = await JoinKit.CreateAsync();
        await kit.RefusedAsync("stone-c", kit.WrongCode(), JoinKit.C);
        await kit.RefusedAsync("stone-c", kit.WrongCode(), JoinKit.C);
        await kit.H.RestartAsync();
        await kit.Ca.UnlockAsync(CertmeshHarness.Passphrase, CancellationToken.None);

        await kit.RefusedAsync("stone-c", kit.WrongCode(), JoinKit.C);

        Assert.Equal(KoiErrorCode.RateLimited, (await kit.RefusedAsync("stone-c", kit.Code(), JoinKit.C)).Code);
    }

    [Fact]
    public async Task Join_RightCodeAfterFailures_ForgivesThem()
    {
        await using var kit = await JoinKit.CreateAsync();
        await kit.RefusedAsync("stone-b", kit.WrongCode());
        await kit.RefusedAsync("stone-b", kit.WrongCode());
        Assert.NotNull((await kit.JoinAsync("stone-b", kit.Code())).Issued);

        await kit.RefusedAsync("stone-c", kit.WrongCode());
        await kit.RefusedAsync("stone-c", kit.WrongCode());
        Assert.NotNull((await kit.JoinAsync("stone-c", kit.NextCode())).Issued);
    }

    [Fact]
    public async Task Join_ReplayedCode_401AlreadyUsedAndNotCountedTowardLockout()
    {
        await using var kit = await JoinKit.CreateAsync();
        var code = kit.Code();
        Assert.NotNull((await kit.JoinAsync("stone-b", code)).Issued);

        for (var i = 0; i < 5; i++)
        {
            var replay = await kit.RefusedAsync("stone-c", code, JoinKit.C);
            Assert.Equal(KoiErrorCode.InvalidTotp, replay.Code);
            Assert.Equal(401, replay.HttpStatus);
            Assert.Contains("code already used — wait for the next code", replay.Message);
        }

        Assert.Contains("join_refused reason=code_reused from=10.77.0.13", kit.LastAudit());
        Assert.NotNull((await kit.JoinAsync("stone-c", kit.NextCode(), JoinKit.C)).Issued);
    }

    [Fact]
    public async Task Join_ReplayAfterRestart_StillRejected()
    {
        await using var kit = await JoinKit.CreateAsync();
        var code = kit.Code();
        await kit.JoinAsync("stone-b", code);

        await kit.H.RestartAsync();
        await kit.Ca.UnlockAsync(CertmeshHarness.Passphrase, CancellationToken.None);

        Assert.Contains("code already used", (await kit.RefusedAsync("stone-c", code, JoinKit.C)).Message);
    }

    [Fact]
    public async Task Join_LimitsFileUnreadable_CodesValidNowCountAsUsed()
    {
        await using var kit = await JoinKit.CreateAsync();
        await kit.RefusedAsync("stone-b", kit.WrongCode());
        File.WriteAllText(kit.LimitsPath, "{ not json");
        await kit.H.RestartAsync();
        await kit.Ca.UnlockAsync(CertmeshHarness.Passphrase, CancellationToken.None);

        Assert.Contains("code already used", (await kit.RefusedAsync("stone-b", kit.Code())).Message);
        Assert.Contains(kit.H.AuditEvents(), e => e == "enrollment_limits_reset");
        kit.H.Time.Advance(TimeSpan.FromSeconds(2 * Totp.StepSeconds));
        Assert.NotNull((await kit.JoinAsync("stone-b", kit.Code())).Issued);
    }

    [Fact]
    public async Task Join_LimitsFile_0600AndHoldsNoCode()
    {
        await using var kit = await JoinKit.CreateAsync();
        await kit.RefusedAsync("stone-c", kit.WrongCode(), JoinKit.C);
        await kit.JoinAsync("stone-b", kit.Code());

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(kit.LimitsPath));
        using var json = JsonDocument.Parse(File.ReadAllText(kit.LimitsPath));
        string[] allowed = ["schema_version", "sources", "recent_failures", "used_steps"];
        Assert.All(json.RootElement.EnumerateObject(), p => Assert.Contains(p.Name, allowed));
        Assert.Equal(TotpStep.Current(kit.H.Time.GetUtcNow()), json.RootElement.GetProperty("used_steps")[0].GetInt64());
        Assert.True(json.RootElement.GetProperty("sources").TryGetProperty(JoinKit.C, out _));
        Assert.Empty(Directory.GetFiles(kit.H.Files.Dir, ".*.tmp"));
    }

    [Fact]
    public async Task Join_ThirtyWrongCodesFromManySources_429ForEveryoneWithRetryAfterEnrollmentStaysOpen()
    {
        await using var kit = await JoinKit.CreateAsync();
        for (var i = 0; i < 29; i++)
        {
            Assert.Equal(KoiErrorCode.InvalidTotp, (await kit.RefusedAsync("stone-x", kit.WrongCode(), Source(i))).Code);
        }

        Assert.Null(kit.Ca.Ledger.Current().Limits.GlobalRetryAfterSeconds());
        Assert.Equal(KoiErrorCode.InvalidTotp, (await kit.RefusedAsync("stone-x", kit.WrongCode(), Source(29))).Code);

        Assert.Equal(EnrollmentState.Open, kit.Roster.Metadata.EnrollmentState);
        var line = kit.AuditLines().Single(l => l.Contains(" enrollment_throttled ", StringComparison.Ordinal));
        Assert.Contains("reason=too_many_failures failures=30 window_secs=300 retry_after_secs=300 last_from=10.77.1.30", line);
        Assert.DoesNotContain(kit.AuditLines(), l => l.Contains(" enrollment_closed ", StringComparison.Ordinal));
        var status = await kit.Ca.StatusAsync(CancellationToken.None);
        Assert.Contains(status.Warnings, w => w.Contains("joins throttled for 300 s", StringComparison.Ordinal));

        // A fresh source with the right code waits too: the throttle is mesh-wide, and audited as such.
        var waits = await kit.RefusedAsync("stone-b", kit.Code(), "10.77.0.200");
        Assert.Equal(KoiErrorCode.RateLimited, waits.Code);
        Assert.Equal(429, waits.HttpStatus);
        Assert.Equal(300, waits.RetryAfterSeconds);
        Assert.Contains("too many wrong codes from the network", waits.Message);
        Assert.Contains("join_refused reason=throttled from=10.77.0.200 hostname=stone-b", kit.LastAudit());
        Assert.DoesNotContain(kit.Roster.Members, m => m.Hostname == "stone-b");
    }

    [Fact]
    public async Task Join_GlobalThrottle_LiftsByItselfWithinTheWindowAndARightCodeJoins()
    {
        await using var kit = await JoinKit.CreateAsync();
        for (var i = 0; i < 30; i++)
        {
            await kit.RefusedAsync("stone-x", kit.WrongCode(), Source(i));
            kit.H.Time.Advance(TimeSpan.FromSeconds(2));
        }

        // The oldest wrong code was 60 s ago: it leaves the window in 240 s, and then the count is below the limit.
        var waits = await kit.RefusedAsync("stone-b", kit.Code(), "10.77.0.200");
        Assert.Equal(240, waits.RetryAfterSeconds);

        kit.H.Time.Advance(TimeSpan.FromSeconds(239));
        Assert.Equal(KoiErrorCode.RateLimited, (await kit.RefusedAsync("stone-b", kit.Code(), "10.77.0.200")).Code);
        kit.H.Time.Advance(TimeSpan.FromSeconds(1));

        Assert.NotNull((await kit.JoinAsync("stone-b", kit.Code(), "10.77.0.200")).Issued);
        Assert.DoesNotContain((await kit.Ca.StatusAsync(CancellationToken.None)).Warnings, w => w.Contains("throttled", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Join_WhileThrottled_NoCodeIsCheckedSoGuessesStayBounded()
    {
        await using var kit = await JoinKit.CreateAsync();
        for (var i = 0; i < 30; i++)
        {
            await kit.RefusedAsync("stone-x", kit.WrongCode(), Source(i));
        }

        // 100 more guesses from fresh sources: none is checked, none is counted, none adds an audit line past the limit.
        for (var i = 100; i < 200; i++)
        {
            Assert.Equal(KoiErrorCode.RateLimited, (await kit.RefusedAsync("stone-x", kit.WrongCode(), Source(i))).Code);
        }

        using var json = JsonDocument.Parse(File.ReadAllText(kit.LimitsPath));
        Assert.Equal(30, json.RootElement.GetProperty("recent_failures").GetArrayLength());
        Assert.Single(kit.AuditLines(), l => l.Contains(" enrollment_throttled ", StringComparison.Ordinal));
        kit.H.Time.Advance(TimeSpan.FromMinutes(5));
        Assert.NotNull((await kit.JoinAsync("stone-b", kit.Code(), "10.77.0.200")).Issued);
    }

    [Fact]
    public async Task Join_FloodFromOneSource_NeverThrottlesTheOthers()
    {
        await using var kit = await JoinKit.CreateAsync();
        for (var i = 0; i < 200; i++)
        {
            await kit.RefusedAsync("stone-c", kit.WrongCode(), JoinKit.C);
        }

        Assert.Null(kit.Ca.Ledger.Current().Limits.GlobalRetryAfterSeconds());
        Assert.NotNull((await kit.JoinAsync("stone-b", kit.Code(), JoinKit.B)).Issued);
    }

    [Fact]
    public async Task Join_WrongCodesFromOutsideTheSubnetScope_403BeforeTheCodeAndCountNowhere()
    {
        await using var kit = await JoinKit.ScopedAsync(null, "10.77.0.0/24");
        for (var i = 0; i < 60; i++)
        {
            var outside = await kit.RefusedAsync("stone-x", kit.WrongCode(), $"10.99.{i / 3}.{(i % 3) + 1}");
            Assert.Equal(KoiErrorCode.OutOfScope, outside.Code);
        }

        // Nothing was counted, so the limits file was never even written.
        Assert.False(File.Exists(kit.LimitsPath));

        Assert.Contains("join_refused reason=out_of_scope from=10.99.19.3", kit.LastAudit());
        Assert.NotNull((await kit.JoinAsync("stone-b", kit.Code(), JoinKit.B)).Issued);
    }

    [Fact]
    public async Task Join_GlobalThrottle_CountSurvivesRestart()
    {
        await using var kit = await JoinKit.CreateAsync();
        for (var i = 0; i < 20; i++)
        {
            await kit.RefusedAsync("stone-x", kit.WrongCode(), Source(i));
        }

        await kit.H.RestartAsync();
        await kit.Ca.UnlockAsync(CertmeshHarness.Passphrase, CancellationToken.None);
        for (var i = 20; i < 30; i++)
        {
            await kit.RefusedAsync("stone-x", kit.WrongCode(), Source(i));
        }

        Assert.Equal(KoiErrorCode.RateLimited, (await kit.RefusedAsync("stone-b", kit.Code(), "10.77.0.200")).Code);
        Assert.Equal(EnrollmentState.Open, kit.Roster.Metadata.EnrollmentState);
    }

    [Fact]
    public async Task Join_FailuresOlderThanTheWindow_DoNotThrottle()
    {
        await using var kit = await JoinKit.CreateAsync();
        for (var i = 0; i < 29; i++)
        {
            await kit.RefusedAsync("stone-x", kit.WrongCode(), Source(i));
        }

        kit.H.Time.Advance(TimeSpan.FromMinutes(5));
        await kit.RefusedAsync("stone-x", kit.WrongCode(), Source(40));

        Assert.DoesNotContain(kit.AuditLines(), l => l.Contains(" enrollment_throttled ", StringComparison.Ordinal));
        Assert.NotNull((await kit.JoinAsync("stone-b", kit.Code(), "10.77.0.200")).Issued);
    }

    [Fact]
    public async Task Join_FloodFromOneSource_AuditBoundedAndCounted()
    {
        await using var kit = await JoinKit.CreateAsync();
        for (var i = 0; i < 3; i++)
        {
            await kit.RefusedAsync("stone-c", kit.WrongCode(), JoinKit.C);
        }

        var before = kit.AuditLines().Length;
        for (var i = 0; i < 200; i++)
        {
            Assert.Equal(KoiErrorCode.RateLimited, (await kit.RefusedAsync("stone-c", kit.Code(), JoinKit.C)).Code);
        }

        var written = kit.AuditLines().Length - before;
        Assert.InRange(written, 1, 20);
        kit.H.Time.Advance(TimeSpan.FromMinutes(5));
        await kit.RefusedAsync("stone-c", kit.WrongCode(), JoinKit.C);
        Assert.Contains("suppressed=", kit.LastAudit());
    }

    private static string Source(int i) => $"10.77.1.{i + 1}";

    [Fact]
    public void TotpStep_Match_ReturnsTheMatchingStep()
    {
        var secret = new byte[20];
        var at = new DateTimeOffset(2026, 11, 1, 12, 0, 10, TimeSpan.Zero);
        var step = TotpStep.Current(at);

        Assert.Equal(step, TotpStep.Match(secret, Totp.Code(secret, at), at));
        Assert.Equal(step - 1, TotpStep.Match(secret, Totp.Code(secret, step - 1), at));
        Assert.Equal(step + 1, TotpStep.Match(secret, Totp.Code(secret, step + 1), at));
        Assert.Null(TotpStep.Match(secret, Totp.Code(secret, step + 2), at));
        Assert.Null(TotpStep.Match(secret, new string('1', 100), at));
    }
}
