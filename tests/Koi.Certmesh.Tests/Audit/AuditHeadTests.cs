using Koi.Certmesh.Tests.Enrollment;

namespace Koi.Certmesh.Tests.Audit;

/// <summary>The audit head signed with the CA key in the roster: removing the log's last lines shows (docs/security.md).</summary>
public sealed class AuditHeadTests
{
    [Fact]
    public async Task Verify_LastLinesRemovedAfterAJoin_ReportsTruncation()
    {
        await using var kit = await JoinKit.CreateAsync();
        await kit.Ca.OpenEnrollmentAsync(null, TestContext.Current.CancellationToken);
        await kit.JoinAsync("stone-b", kit.Code());
        var head = kit.Roster.Metadata.AuditHead!;
        Assert.True(kit.Ca.Log(null, verify: true).Verification!.Valid);

        // Someone with the data dir deletes the join's line (and anything after it): the chain alone still verifies.
        var lines = File.ReadAllLines(kit.H.Files.AuditLog);
        File.WriteAllLines(kit.H.Files.AuditLog, lines[..(int)(head.Seq - 1)]);
        var verification = kit.Ca.Log(null, verify: true).Verification!;

        Assert.False(verification.Valid);
        Assert.Contains("truncated", verification.Problem, StringComparison.Ordinal);
        Assert.Contains($"line {head.Seq}", verification.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_HeadNotSignedByTheCa_Reported()
    {
        await using var kit = await JoinKit.CreateAsync();
        await kit.Ca.OpenEnrollmentAsync(null, TestContext.Current.CancellationToken);
        await kit.JoinAsync("stone-b", kit.Code());
        var forged = kit.Roster.Metadata.AuditHead! with { Seq = 1 };
        kit.Ca.Roster.Update(r => r! with { Metadata = r.Metadata with { AuditHead = forged } });

        var verification = kit.Ca.Log(null, verify: true).Verification!;

        Assert.False(verification.Valid);
        Assert.Contains("not signed by this CA", verification.Problem, StringComparison.Ordinal);
    }
}
