using Koi.Certmesh.Audit;
using Koi.Testing;

namespace Koi.Certmesh.Tests.Audit;

public sealed class AuditLogTests : IDisposable
{
    private readonly TempDirectory _temp = new();
    private readonly ManualTimeProvider _time = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void Verify_UntouchedLog_Valid()
    {
        using var log = Write(5);
        var result = log.Verify();
        Assert.True(result.Valid);
        Assert.Equal(5, result.Lines);
        Assert.Null(result.FirstBadLine);
    }

    [Fact]
    public void Verify_EditedLine_NamesIt()
    {
        using var log = Write(5);
        Rewrite(lines => lines[2] = lines[2].Replace("n=2", "n=7", StringComparison.Ordinal));
        Assert.Equal(3, log.Verify().FirstBadLine);
    }

    [Fact]
    public void Verify_DeletedLine_NamesThePlaceItWas()
    {
        using var log = Write(5);
        Rewrite(lines => lines.RemoveAt(1));
        var result = log.Verify();
        Assert.False(result.Valid);
        Assert.Equal(2, result.FirstBadLine);
    }

    [Fact]
    public void Verify_InsertedLine_NamesIt()
    {
        using var log = Write(5);
        Rewrite(lines => lines.Insert(3, lines[3].Replace("n=3", "n=9", StringComparison.Ordinal)));
        Assert.Equal(4, log.Verify().FirstBadLine);
    }

    [Fact]
    public void Verify_DuplicatedValidLine_NamesTheCopy()
    {
        using var log = Write(5);
        Rewrite(lines => lines.Insert(3, lines[1]));
        Assert.Equal(4, log.Verify().FirstBadLine);
    }

    [Fact]
    public void Verify_ReorderedLines_NamesFirstMoved()
    {
        using var log = Write(5);
        Rewrite(lines => (lines[1], lines[2]) = (lines[2], lines[1]));
        Assert.Equal(2, log.Verify().FirstBadLine);
    }

    [Fact]
    public void Append_ValueWithNewlineAndFields_CannotForgeALineOrField()
    {
        using var log = AuditLog.Open(_temp.Combine("audit.log"), _temp.Combine("audit-key.pem"), _time);
        log.Append("member_joined", ("hostname", "evil\n2026-01-01T00:00:00Z pond_initialized sig=x"), ("role", "member seq=1 role=primary"));
        Assert.Single(File.ReadAllLines(_temp.Combine("audit.log")));
        var line = log.Read().Single();
        Assert.Equal("evil\n2026-01-01T00:00:00Z pond_initialized sig=x", line.Fields.Single(f => f.Key == "hostname").Value);
        Assert.Equal("member seq=1 role=primary", line.Fields.Single(f => f.Key == "role").Value);
        Assert.Equal(1, line.Seq);
        Assert.True(log.Verify().Valid);
    }

    [Fact]
    public void Open_ExistingLog_ContinuesTheChain()
    {
        Write(3).Dispose();
        using (var reopened = AuditLog.Open(_temp.Combine("audit.log"), _temp.Combine("audit-key.pem"), _time))
        {
            reopened.Append("after_restart");
        }

        using var log = AuditLog.Open(_temp.Combine("audit.log"), _temp.Combine("audit-key.pem"), _time);
        var result = log.Verify();
        Assert.True(result.Valid, result.Problem);
        Assert.Equal(4, result.Lines);
    }

    [Fact]
    public void Read_Since_FiltersOlderLines()
    {
        using var log = AuditLog.Open(_temp.Combine("audit.log"), _temp.Combine("audit-key.pem"), _time);
        log.Append("first");
        _time.Advance(TimeSpan.FromHours(1));
        var cut = _time.GetUtcNow();
        log.Append("second");
        Assert.Equal(["second"], log.Read(cut).Select(l => l.Event));
    }

    private AuditLog Write(int count)
    {
        var log = AuditLog.Open(_temp.Combine("audit.log"), _temp.Combine("audit-key.pem"), _time);
        for (var i = 0; i < count; i++)
        {
            log.Append("event", ("n", i.ToString(System.Globalization.CultureInfo.InvariantCulture)));
            _time.Advance(TimeSpan.FromSeconds(1));
        }

        return log;
    }

    private void Rewrite(Action<List<string>> change)
    {
        var lines = File.ReadAllLines(_temp.Combine("audit.log")).ToList();
        change(lines);
        File.WriteAllLines(_temp.Combine("audit.log"), lines);
    }
}
