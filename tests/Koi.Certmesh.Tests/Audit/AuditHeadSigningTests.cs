using Koi.Certmesh.Audit;
using Koi.Certmesh.Tests.Enrollment;

namespace Koi.Certmesh.Tests.Audit;

/// <summary>The head is signed at renewals as at joins, kept across restarts, and verify names the lines written after it.</summary>
public sealed class AuditHeadSigningTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Renew_OwnCertificate_SignsTheHeadAtTheRenewalLine()
    {
        await using var kit = await JoinKit.CreateAsync();
        await kit.JoinAsync("stone-b", kit.Code());
        var atJoin = kit.Roster.Metadata.AuditHead!;

        await kit.Ca.Renewals.RenewOwnAsync(null, Ct);

        var head = kit.Roster.Metadata.AuditHead!;
        var lines = File.ReadAllLines(kit.H.Files.AuditLog);
        Assert.True(head.Seq > atJoin.Seq);
        Assert.Contains(" cert_renewed ", lines[head.Seq - 1], StringComparison.Ordinal);
        Assert.Equal(AuditLog.Hash(lines[head.Seq - 1]), head.Hash);
        Assert.True(head.SignedBy(kit.Ca.Vault.CaCert!));
    }

    [Fact]
    public async Task Join_HeadGoesIntoTheJournal_NotAWholeRosterRewrite_AndSurvivesRestart()
    {
        await using var kit = await JoinKit.CreateAsync();
        var rosterBefore = File.ReadAllBytes(kit.Ca.Roster.Path);

        await kit.JoinAsync("stone-b", kit.Code());
        var head = kit.Roster.Metadata.AuditHead!;

        Assert.Equal(rosterBefore, File.ReadAllBytes(kit.Ca.Roster.Path));
        Assert.Contains("\"audit_head\"", File.ReadAllText(kit.Ca.Roster.JournalPath), StringComparison.Ordinal);
        await kit.H.RestartAsync();
        Assert.Equal(head, kit.Roster.Metadata.AuditHead);
        Assert.Contains(kit.Roster.Members, m => m.Hostname == "stone-b");
    }

    [Fact]
    public async Task Verify_LinesWrittenAfterTheSignedHead_CountedAsUnsigned()
    {
        await using var kit = await JoinKit.CreateAsync();
        await kit.JoinAsync("stone-b", kit.Code());
        var head = kit.Roster.Metadata.AuditHead!;
        await kit.RefusedAsync("stone-c", kit.WrongCode(), JoinKit.C);
        await kit.RefusedAsync("stone-d", kit.WrongCode(), JoinKit.C);

        var verification = kit.Ca.Log(null, verify: true).Verification!;

        Assert.True(verification.Valid);
        Assert.Equal(head.Seq, verification.SignedThrough);
        Assert.Equal(head.SignedAt, verification.HeadSignedAt);
        Assert.Equal(2, verification.UnsignedLines);
        Assert.Equal(head.Seq + 2, verification.Lines);
    }

    [Fact]
    public async Task Verify_FreshCa_HeadSignedAtCreation_CoversEveryLine()
    {
        await using var kit = await JoinKit.CreateAsync();
        var head = kit.Roster.Metadata.AuditHead!;

        var verification = kit.Ca.Log(null, verify: true).Verification!;

        Assert.True(verification.Valid);
        Assert.True(head.SignedBy(kit.Ca.Vault.CaCert!));
        Assert.Equal(head.Seq, verification.SignedThrough);

        var lines = kit.AuditLines();
        Assert.Contains(" member_joined ", lines[head.Seq - 1], StringComparison.Ordinal);
        Assert.Contains("role=primary", lines[head.Seq - 1], StringComparison.Ordinal);

        // After it only what follows from the creation itself: the first bundle (which carries the head), the trust install.
        Assert.All(lines[(int)head.Seq..], l => Assert.Matches(" (trust_bundle_published|trust_installed|trust_install_failed) ", l));
    }
}
