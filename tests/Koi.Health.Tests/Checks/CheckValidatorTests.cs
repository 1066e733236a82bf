using Koi.Core.Errors;
using Koi.Health.Checks;

namespace Koi.Health.Tests.Checks;

public sealed class CheckValidatorTests
{
    private static readonly DateTimeOffset Now = new(2026, 2, 10, 14, 30, 0, TimeSpan.Zero);

    [Fact]
    public void Validate_HttpWithoutTimings_DefaultsTo30sEvery5sTimeout()
    {
        var check = CheckValidator.Validate(new CheckRequest("grafana", Http: "https://stone-05:3000/health"), Now);

        Assert.Equal(CheckKind.Http, check.Kind);
        Assert.Equal("https://stone-05:3000/health", check.Target);
        Assert.Equal(TimeSpan.FromSeconds(30), check.Interval);
        Assert.Equal(TimeSpan.FromSeconds(5), check.Timeout);
        Assert.Equal("stone-05:3000", check.Endpoint);
        Assert.Equal(Now, check.AddedAt);
    }

    [Fact]
    public void Validate_HttpsWithoutPort_EndpointShowsDefaultPort()
    {
        var check = CheckValidator.Validate(new CheckRequest("nginx", Http: "https://stone-09/"), Now);

        Assert.Equal("stone-09:443", check.Endpoint);
    }

    [Theory]
    [InlineData("stone-05:5432", "stone-05:5432")]
    [InlineData("10.77.0.12:6379", "10.77.0.12:6379")]
    [InlineData("[fd77::12]:22", "[fd77::12]:22")]
    [InlineData(" db.lan:5432 ", "db.lan:5432")]
    public void Validate_TcpHostPort_IsNormalised(string given, string expected)
    {
        var check = CheckValidator.Validate(new CheckRequest("db", Tcp: given), Now);

        Assert.Equal(CheckKind.Tcp, check.Kind);
        Assert.Equal(expected, check.Target);
        Assert.Equal(expected, check.Endpoint);
    }

    [Fact]
    public void Validate_IntervalShorterThanDefaultTimeout_TimeoutFollowsInterval()
    {
        var check = CheckValidator.Validate(new CheckRequest("fast", Tcp: "127.0.0.1:1", Interval: "2s"), Now);

        Assert.Equal(TimeSpan.FromSeconds(2), check.Timeout);
    }

    [Theory]
    [InlineData("90s", 90)]
    [InlineData("2m", 120)]
    [InlineData("1h", 3600)]
    [InlineData("45", 45)]
    [InlineData("1.5s", 1.5)]
    public void Validate_IntervalUnits_AreUnderstood(string interval, double seconds)
    {
        var check = CheckValidator.Validate(new CheckRequest("x", Tcp: "127.0.0.1:1", Interval: interval, Timeout: "500ms"), Now);

        Assert.Equal(seconds, check.IntervalSecs, 6);
        Assert.Equal(0.5, check.TimeoutSecs, 6);
    }

    [Theory]
    [InlineData(null, "http://a/", null, null, null, "needs a name")]
    [InlineData("-bad", "http://a/", null, null, null, "must start with a letter or digit")]
    [InlineData("a b", "http://a/", null, null, null, "may contain only")]
    [InlineData("x", null, null, null, null, "needs a target")]
    [InlineData("x", "http://a/", "a:1", null, null, "not both")]
    [InlineData("x", "ftp://a/", null, null, null, "http:// or https://")]
    [InlineData("x", "stone-05:3000", null, null, null, "http:// or https://")]
    [InlineData("x", "http://user:pw@a/", null, null, null, "user:password")]
    [InlineData("x", null, "stone-05", null, null, "host:port")]
    [InlineData("x", null, "stone-05:0", null, null, "port must be 1-65535")]
    [InlineData("x", null, "stone-05:70000", null, null, "port must be 1-65535")]
    [InlineData("x", null, "fd77::1:22", null, null, "brackets")]
    [InlineData("x", null, "bad_host!:22", null, null, "not a host name")]
    [InlineData("x", null, "a:1", "soon", null, "interval must be a duration")]
    [InlineData("x", null, "a:1", "0s", null, "interval must be a duration")]
    [InlineData("x", null, "a:1", "500ms", null, "interval must be between")]
    [InlineData("x", null, "a:1", "2d", null, "interval must be between")]
    [InlineData("x", null, "a:1", "10s", "20s", "must not be longer than the interval")]
    [InlineData("x", null, "a:1", "10m", "2m", "timeout must be between")]
    [InlineData("x", null, "a:1", null, "10ms", "timeout must be between")]
    public void Validate_BadInput_InvalidRequestNamingTheRule(string? name, string? http, string? tcp, string? interval, string? timeout, string rule)
    {
        var ex = Assert.Throws<KoiException>(() => CheckValidator.Validate(new CheckRequest(name, http, tcp, interval, timeout), Now));

        Assert.Equal(KoiErrorCode.InvalidRequest, ex.Code);
        Assert.Contains(rule, ex.Message, StringComparison.Ordinal);
    }
}
