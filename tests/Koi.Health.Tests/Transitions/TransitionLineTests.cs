using Koi.Health.Transitions;

namespace Koi.Health.Tests.Transitions;

public sealed class TransitionLineTests
{
    private static readonly DateTimeOffset At = new(2026, 2, 10, 14, 30, 0, TimeSpan.Zero);

    [Fact]
    public void Format_MachineDown_MatchesSeedLayout()
    {
        var line = TransitionLine.Format(new Transition(At, "stone-09", SubjectKind.Machine, "up", "down", false, "mDNS: not seen for 60s"));

        Assert.Equal("2026-02-10 14:30:00 | stone-09   | up → down    | mDNS: not seen for 60s", line);
    }

    [Fact]
    public void Format_ServiceStatusChange_MatchesSeedLayout()
    {
        var line = TransitionLine.Format(new Transition(At.AddSeconds(30), "nginx", SubjectKind.Service, "200", "502", false, "HTTP check failed"));

        Assert.Equal("2026-02-10 14:30:30 | nginx      | 200 → 502    | HTTP check failed", line);
    }

    [Fact]
    public void Format_LocalOffset_WritesUtc()
    {
        var local = new DateTimeOffset(2026, 2, 10, 16, 30, 0, TimeSpan.FromHours(2));

        var line = TransitionLine.Format(new Transition(local, "a", SubjectKind.Machine, "up", "down", false, "r"));

        Assert.StartsWith("2026-02-10 14:30:00 |", line, StringComparison.Ordinal);
    }

    [Fact]
    public void Format_NameWithSeparatorAndNewline_CannotForgeALine()
    {
        var line = TransitionLine.Format(new Transition(At, "evil | x\n2026-01-01 00:00:00", SubjectKind.Machine, "up", "down", false, "a\r\nb"));

        Assert.DoesNotContain('\n', line);
        Assert.Equal(4, line.Split(" | ").Length);
    }

    [Fact]
    public void Parse_FormattedLine_RoundTrips()
    {
        var original = new Transition(At, "stone-09", SubjectKind.Machine, "down", "up", true, "mDNS: rediscovered");

        var parsed = TransitionLine.Parse(TransitionLine.Format(original));

        Assert.Equal(original with { Kind = null }, parsed);
    }

    [Theory]
    [InlineData("")]
    [InlineData("2026-02-10 14:30:00 | stone-09")]
    [InlineData("yesterday | a | up → down | r")]
    [InlineData("2026-02-10 14:30:00 | a | up down | r")]
    public void Parse_NotALine_Null(string text) => Assert.Null(TransitionLine.Parse(text));

    [Theory]
    [InlineData("up", true)]
    [InlineData("open", true)]
    [InlineData("204", true)]
    [InlineData("down", false)]
    [InlineData("302", false)]
    [InlineData("timeout", false)]
    public void IsUpLabel_Label_UpOnlyFor2xxOpenUp(string label, bool up) => Assert.Equal(up, TransitionLine.IsUpLabel(label));
}
