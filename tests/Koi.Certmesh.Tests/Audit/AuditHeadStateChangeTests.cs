using Koi.Certmesh.Audit;
using Koi.Certmesh.Revocation;
using Koi.Certmesh.Roster;
using Koi.Certmesh.Tests.Enrollment;

namespace Koi.Certmesh.Tests.Audit;

/// <summary>
/// Audited changes of the CA's state other than joins and renewals sign the head too: a revocation (and the bundle
/// that carries it), denials, enrollment opened or closed, TOTP rotation, policy, unlock (docs/certmesh.md "The audit log").
/// </summary>
public sealed class AuditHeadStateChangeTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Revoke_UnlockedCa_HeadSignedAtTheRevocationLine_AndTheNextBundleCarriesIt()
    {
        await using var kit = await JoinKit.CreateAsync();
        await kit.JoinAsync("stone-b", kit.Code());

        await kit.Ca.RevokeAsync("stone-b", "laptop stolen", Ct);

        var head = AssertHeadAt(kit, "member_revoked");
        var bundle = TrustBundleVerifier.Verify(kit.Ca.Bundle!.Signed, kit.Roster.Metadata.CaFingerprint, heldSequence: null);
        Assert.Equal(head, bundle.AuditHead);
        Assert.Single(bundle.Revoked);
    }

    [Fact]
    public async Task Revoke_RevocationLineCutFromTheLog_VerifyReportsTruncation()
    {
        await using var kit = await JoinKit.CreateAsync();
        await kit.JoinAsync("stone-b", kit.Code());
        await kit.Ca.RevokeAsync("stone-b", "laptop stolen", Ct);

        // Whoever holds the data dir deletes the revocation's line and what follows: the chain alone still verifies.
        var lines = kit.AuditLines();
        var revokedAt = Array.FindIndex(lines, l => l.Contains(" member_revoked ", StringComparison.Ordinal)) + 1;
        File.WriteAllLines(kit.H.Files.AuditLog, lines[..(revokedAt - 1)]);
        var verification = kit.Ca.Log(null, verify: true).Verification!;

        Assert.False(verification.Valid);
        Assert.Contains($"truncated: the CA signed the log's head at line {revokedAt}", verification.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Revoke_LockedCa_NextUnlockSignsAHeadCoveringTheRevocation_AndPublishesIt()
    {
        await using var kit = await JoinKit.CreateAsync();
        await kit.JoinAsync("stone-b", kit.Code());
        await kit.Ca.LockAsync(Ct);
        await kit.Ca.RevokeAsync("stone-b", null, Ct);
        var revokedAt = Array.FindIndex(kit.AuditLines(), l => l.Contains(" member_revoked ", StringComparison.Ordinal)) + 1;
        Assert.True(kit.Roster.Metadata.AuditHead!.Seq < revokedAt);

        await kit.Ca.UnlockAsync(CertmeshHarness.Passphrase, Ct);

        var head = AssertHeadAt(kit, "ca_unlocked");
        Assert.True(head.Seq > revokedAt);
        Assert.Equal(head, kit.Ca.Bundle!.Bundle.AuditHead);
    }

    [Fact]
    public async Task Deny_PendingRequest_HeadSignedAtTheDenial()
    {
        await using var kit = await JoinKit.CreateAsync(TrustProfile.Team);
        await kit.JoinAsync("stone-b", kit.Code());

        await kit.Ca.DenyAsync("stone-b", "not ours", Ct);

        AssertHeadAt(kit, "join_denied");
    }

    [Fact]
    public async Task OpenAndCloseEnrollment_EachSignsTheHeadAtItsLine()
    {
        await using var kit = await JoinKit.CreateAsync();

        await kit.Ca.OpenEnrollmentAsync(TimeSpan.FromHours(1), Ct);
        AssertHeadAt(kit, "enrollment_opened");

        await kit.Ca.CloseEnrollmentAsync("operator", Ct);
        AssertHeadAt(kit, "enrollment_closed");
    }

    [Fact]
    public async Task EnrollmentWindowRunsOut_HeadSignedAtTheClose()
    {
        await using var kit = await JoinKit.CreateAsync();
        await kit.Ca.OpenEnrollmentAsync(TimeSpan.FromMinutes(5), Ct);

        kit.H.Time.Advance(TimeSpan.FromMinutes(6));

        await WaitUntil(() => kit.Roster.Metadata.EnrollmentState == EnrollmentState.Closed && kit.LastAudit().Contains(" enrollment_closed ", StringComparison.Ordinal));
        await WaitUntil(() => kit.Roster.Metadata.AuditHead!.Seq == kit.AuditLines().Length);
        AssertHeadAt(kit, "enrollment_closed");
    }

    [Fact]
    public async Task RotateTotp_HeadSignedAtTheRotation()
    {
        await using var kit = await JoinKit.CreateAsync();

        await kit.Ca.RotateTotpAsync(null, Ct);

        AssertHeadAt(kit, "totp_rotated");
    }

    [Fact]
    public async Task SetPolicy_HeadSignedAtTheChange()
    {
        await using var kit = await JoinKit.CreateAsync();

        await kit.Ca.SetPolicyAsync(60, 40, Ct);

        AssertHeadAt(kit, "policy_changed");
    }

    [Fact]
    public async Task RefusalWhileUnlocked_NotSigned_CountedAfterTheHead()
    {
        await using var kit = await JoinKit.CreateAsync();
        await kit.Ca.OpenEnrollmentAsync(null, Ct);
        var head = kit.Roster.Metadata.AuditHead!;

        await kit.RefusedAsync("stone-c", kit.WrongCode(), JoinKit.C);

        Assert.Equal(head, kit.Roster.Metadata.AuditHead);
        Assert.True(kit.Ca.Log(null, verify: true).Verification!.UnsignedLines > 0);
    }

    /// <summary>The roster's head names the log's last line, which is <paramref name="eventName"/>, signed by the CA.</summary>
    private static AuditHead AssertHeadAt(JoinKit kit, string eventName)
    {
        var head = kit.Roster.Metadata.AuditHead!;
        var lines = kit.AuditLines();
        var at = Array.FindLastIndex(lines, l => l.Contains($" {eventName} ", StringComparison.Ordinal)) + 1;
        Assert.Equal(at, head.Seq);
        Assert.Equal(AuditLog.Hash(lines[at - 1]), head.Hash);
        Assert.True(head.SignedBy(kit.Ca.Vault.CaCert!));
        return head;
    }

    private static async Task WaitUntil(Func<bool> condition)
    {
        for (var i = 0; i < 200 && !condition(); i++)
        {
            await Task.Delay(25, Ct);
        }

        Assert.True(condition());
    }
}
