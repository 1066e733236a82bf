using Koi.Core.Health;

namespace Koi.Core.Tests.Health;

public sealed class MachineCertificateTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 1, 0, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData(0, null)]
    [InlineData(19, null)]
    [InlineData(20, "certificate within the last third of its lifetime (10d left)")]
    [InlineData(29, "certificate within the last third of its lifetime (1d left)")]
    [InlineData(30, "certificate expired")]
    public void Warning_ThirtyDayCertificate_FromDayTwentyOnward(int day, string? expected)
    {
        var certificate = new MachineCertificate(Start.AddDays(30), true, NotBefore: Start);

        Assert.Equal(expected, certificate.Warning(Start.AddDays(day)));
    }

    [Fact]
    public void Warning_RevokedEvenWhenFresh_SaysRevoked()
    {
        var certificate = new MachineCertificate(Start.AddDays(30), false, "revoked", NotBefore: Start, Revoked: true);

        Assert.Equal("certificate revoked", certificate.Warning(Start.AddDays(1)));
    }

    [Fact]
    public void Warning_RenewalFailing_SaysWhyBeforeTheLifetimeWarning()
    {
        var certificate = new MachineCertificate(Start.AddDays(30), true, NotBefore: Start, RenewalProblem: "CA unreachable");

        Assert.Equal("renewal failing: CA unreachable", certificate.Warning(Start.AddDays(25)));
    }

    [Fact]
    public void Warning_StartUnknown_NoLifetimeWarning()
    {
        var certificate = new MachineCertificate(Start.AddDays(30), true);

        Assert.Null(certificate.Warning(Start.AddDays(29)));
    }
}
