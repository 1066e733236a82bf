using Koi.Dns.Safety;

namespace Koi.Dns.Tests.Safety;

public sealed class ClientRateLimiterTests
{
    private static readonly ClientAddress A = ClientAddress.From(IPAddress.Parse("192.168.1.10"));
    private static readonly ClientAddress B = ClientAddress.From(IPAddress.Parse("192.168.1.11"));

    [Fact]
    public void Check_BurstSpent_RefusesUntilTokensRefill()
    {
        var clock = new ManualTimeProvider();
        var limiter = new ClientRateLimiter(200, 400, 100, clock);

        var allowed = Enumerable.Range(0, 400).Count(_ => limiter.Check(A) == RateLimitDecision.Allowed);

        Assert.Equal(400, allowed);
        Assert.Equal(RateLimitDecision.OverRate, limiter.Check(A));
        clock.Advance(TimeSpan.FromMilliseconds(5)); // 200 qps: one token every 5 ms
        Assert.Equal(RateLimitDecision.Allowed, limiter.Check(A));
        Assert.Equal(RateLimitDecision.OverRate, limiter.Check(A));
    }

    [Fact]
    public void Check_OneClientOverRate_OtherClientUnaffected()
    {
        var clock = new ManualTimeProvider();
        var limiter = new ClientRateLimiter(200, 400, 100, clock);
        for (var i = 0; i < 1000; i++)
        {
            limiter.Check(A);
        }

        Assert.Equal(RateLimitDecision.OverRate, limiter.Check(A));
        Assert.Equal(RateLimitDecision.Allowed, limiter.Check(B));
    }

    [Fact]
    public void Check_SustainedAtRate_AllAllowed()
    {
        var clock = new ManualTimeProvider();
        var limiter = new ClientRateLimiter(200, 400, 100, clock);
        var refused = 0;
        for (var i = 0; i < 10_000; i++)
        {
            clock.Advance(TimeSpan.FromMilliseconds(5));
            refused += limiter.Check(A) == RateLimitDecision.Allowed ? 0 : 1;
        }

        Assert.Equal(0, refused);
    }

    [Fact]
    public void Check_IdleLongEnough_BurstRefillsButNotBeyond()
    {
        var clock = new ManualTimeProvider();
        var limiter = new ClientRateLimiter(200, 400, 100, clock);
        for (var i = 0; i < 400; i++)
        {
            limiter.Check(A);
        }

        clock.Advance(TimeSpan.FromHours(1));

        Assert.Equal(400, Enumerable.Range(0, 1000).Count(_ => limiter.Check(A) == RateLimitDecision.Allowed));
    }

    [Fact]
    public void Check_TableFullOfBusyClients_NewClientAdmittedLeastRecentForgotten()
    {
        var clock = new ManualTimeProvider();
        var limiter = new ClientRateLimiter(200, 400, 4, clock);
        for (uint i = 1; i <= 4; i++)
        {
            // Each spends its whole burst, the first one earliest: none is idle.
            for (var q = 0; q < 400; q++)
            {
                limiter.Check(ClientAddress.FromIPv4(0x0A000000 + i));
            }

            clock.Advance(TimeSpan.FromMilliseconds(1));
        }

        Assert.Equal(RateLimitDecision.Allowed, limiter.Check(ClientAddress.FromIPv4(0x0A0000FF)));
        Assert.True(limiter.TrackedClients <= 4);
        Assert.Equal(RateLimitDecision.OverRate, limiter.Check(ClientAddress.FromIPv4(0x0A000004))); // the latest kept its debt
    }

    [Fact]
    public void Check_SpoofedSourcesFromOneIPv6Slash64_ShareOneBucket_TableNotFilled()
    {
        var clock = new ManualTimeProvider();
        var limiter = new ClientRateLimiter(200, 400, 100, clock);
        var prefix = (UInt128)0x2001_0db8_0001_0002UL << 64;

        var allowed = 0;
        for (ulong host = 1; host <= 10_000; host++)
        {
            allowed += limiter.Check(new ClientAddress(prefix | host)) == RateLimitDecision.Allowed ? 1 : 0;
        }

        Assert.Equal(1, limiter.TrackedClients);
        Assert.Equal(400, allowed);
        Assert.Equal(RateLimitDecision.Allowed, limiter.Check(ClientAddress.From(IPAddress.Parse("2001:db8:1:3::1"))));
    }

    [Fact]
    public void Check_TableFullOfSpoofedSources_RealClientStillAnswered()
    {
        var clock = new ManualTimeProvider();
        var limiter = new ClientRateLimiter(200, 400, 100, clock);
        for (uint i = 0; i < 5000; i++)
        {
            limiter.Check(ClientAddress.FromIPv4(0x0A000000 + i));
        }

        Assert.Equal(RateLimitDecision.Allowed, limiter.Check(A));
        Assert.True(limiter.TrackedClients <= 100);
    }

    [Fact]
    public void Check_TableFullOfIdleClients_EvictsThemForNewClient()
    {
        var clock = new ManualTimeProvider();
        var limiter = new ClientRateLimiter(200, 400, 3, clock);
        for (uint i = 1; i <= 3; i++)
        {
            limiter.Check(ClientAddress.FromIPv4(0x0A000000 + i));
        }

        clock.Advance(TimeSpan.FromSeconds(3)); // 400 tokens at 200 qps: full again after 2 s

        Assert.Equal(RateLimitDecision.Allowed, limiter.Check(ClientAddress.FromIPv4(0x0A0000FF)));
        Assert.True(limiter.TrackedClients <= 3);
    }

    [Fact]
    public async Task Check_ManyThreadsOneClient_NeverMoreThanBurst()
    {
        var clock = new ManualTimeProvider();
        var limiter = new ClientRateLimiter(200, 400, 100, clock);
        var allowed = 0;

        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() =>
        {
            for (var i = 0; i < 1000; i++)
            {
                if (limiter.Check(A) == RateLimitDecision.Allowed)
                {
                    Interlocked.Increment(ref allowed);
                }
            }
        })));

        Assert.Equal(400, allowed);
        Assert.Equal(1, limiter.TrackedClients);
    }

    [Fact]
    public void Check_SlipThree_EveryThirdQueryOverRateSlips()
    {
        var clock = new ManualTimeProvider();
        var limiter = new ClientRateLimiter(200, 5, 100, clock, slip: 3);
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(RateLimitDecision.Allowed, limiter.Check(A));
        }

        var over = Enumerable.Range(0, 9).Select(_ => limiter.Check(A)).ToList();

        Assert.Equal(
            [RateLimitDecision.OverRate, RateLimitDecision.OverRate, RateLimitDecision.Slip,
             RateLimitDecision.OverRate, RateLimitDecision.OverRate, RateLimitDecision.Slip,
             RateLimitDecision.OverRate, RateLimitDecision.OverRate, RateLimitDecision.Slip],
            over);
    }

    [Fact]
    public void Check_SlipOff_OverRateNeverSlips()
    {
        var clock = new ManualTimeProvider();
        var limiter = new ClientRateLimiter(200, 5, 100, clock);

        var decisions = Enumerable.Range(0, 100).Select(_ => limiter.Check(A)).ToList();

        Assert.Equal(5, decisions.Count(d => d == RateLimitDecision.Allowed));
        Assert.Equal(95, decisions.Count(d => d == RateLimitDecision.OverRate));
    }

    [Fact]
    public void Check_SlipOne_AllowedTokensStillCountedFirst()
    {
        var clock = new ManualTimeProvider();
        var limiter = new ClientRateLimiter(200, 2, 100, clock, slip: 1);
        limiter.Check(A);
        limiter.Check(A);

        Assert.Equal(RateLimitDecision.Slip, limiter.Check(A));
        clock.Advance(TimeSpan.FromMilliseconds(5));
        Assert.Equal(RateLimitDecision.Allowed, limiter.Check(A));
        Assert.Equal(RateLimitDecision.Allowed, limiter.Check(B));
    }
}
