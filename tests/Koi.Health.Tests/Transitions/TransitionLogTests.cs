using Koi.Core.Errors;
using Koi.Health.Transitions;

namespace Koi.Health.Tests.Transitions;

public sealed class TransitionLogTests
{
    private static readonly DateTimeOffset At = new(2026, 2, 10, 14, 30, 0, TimeSpan.Zero);

    [Fact]
    public void Read_Since_ReturnsOnlyLaterTransitionsInOrder()
    {
        using var dir = new TempDirectory();
        var log = new TransitionLog(dir.Combine("logs", "health.log"));
        for (var i = 0; i < 4; i++)
        {
            log.Append(new Transition(At.AddHours(i), $"m{i}", SubjectKind.Machine, "up", "down", false, "r"));
        }

        var read = log.Read(At.AddHours(2));

        Assert.Equal(["m2", "m3"], read.Select(t => t.Subject));
    }

    [Fact]
    public void Append_ExistingFile_KeepsEarlierLines()
    {
        using var dir = new TempDirectory();
        var path = dir.Combine("health.log");
        File.WriteAllText(path, "2026-01-01 00:00:00 | old        | up → down    | before\n");
        var log = new TransitionLog(path);

        log.Append(new Transition(At, "new", SubjectKind.Machine, "down", "up", true, "after"));

        var lines = File.ReadAllLines(path);
        Assert.Equal(2, lines.Length);
        Assert.Contains("| old ", lines[0], StringComparison.Ordinal);
    }

    [Fact]
    public void Read_TornLastLineAndLimit_SkipsTornKeepsNewest()
    {
        using var dir = new TempDirectory();
        var log = new TransitionLog(dir.Combine("health.log"));
        for (var i = 0; i < 5; i++)
        {
            log.Append(new Transition(At.AddMinutes(i), $"m{i}", SubjectKind.Machine, "up", "down", false, "r"));
        }

        File.AppendAllText(log.Path, "2026-02-10 15:");

        var read = log.Read(null, limit: 2);

        Assert.Equal(["m3", "m4"], read.Select(t => t.Subject));
    }

    [Fact]
    public void Read_NoFile_Empty()
    {
        using var dir = new TempDirectory();

        Assert.Empty(new TransitionLog(dir.Combine("none.log")).Read(null));
    }

    [Theory]
    [InlineData("2026-02-10", "2026-02-10T00:00:00+00:00")]
    [InlineData("2026-02-10 14:30:00", "2026-02-10T14:30:00+00:00")]
    [InlineData("2026-02-10T16:30:00+02:00", "2026-02-10T14:30:00+00:00")]
    [InlineData("90m", "2026-02-10T13:00:00+00:00")]
    [InlineData("1d", "2026-02-09T14:30:00+00:00")]
    public void SinceText_Forms_Parse(string text, string expected)
    {
        Assert.Equal(DateTimeOffset.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), SinceText.Parse(text, At));
    }

    [Theory]
    [InlineData("tuesday")]
    [InlineData("2026-13-01")]
    [InlineData("5 minutes")]
    public void SinceText_Garbage_InvalidRequest(string text)
    {
        var ex = Assert.Throws<KoiException>(() => SinceText.Parse(text, At));

        Assert.Equal(KoiErrorCode.InvalidRequest, ex.Code);
    }
}
