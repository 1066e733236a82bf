using System.Security.Cryptography.X509Certificates;
using Koi.Certmesh.Roster;
using Koi.Core.Errors;

namespace Koi.Certmesh.Tests.Enrollment;

/// <summary>Two-party joins (team and organization profiles): queue, approve, deny, expire.</summary>
public sealed class ApprovalTests
{
    [Fact]
    public async Task Join_ApprovalRequired_202PendingAndListed()
    {
        await using var kit = await JoinKit.CreateAsync(TrustProfile.Team);

        var outcome = await kit.JoinAsync("stone-b", kit.Code(), JoinKit.B, null, JoinKit.B, "10.77.0.50");

        Assert.Null(outcome.Issued);
        var pending = outcome.Pending!;
        Assert.Equal("pending", pending.Status);
        Assert.Equal("stone-b", pending.Hostname);
        Assert.Matches("^[A-Za-z0-9_-]{22}$", pending.RequestId);
        Assert.DoesNotContain(kit.Roster.Members, m => m.Hostname == "stone-b");

        var listed = Assert.Single((await kit.Ca.PendingAsync(CancellationToken.None)).Requests);
        Assert.Equal(pending.RequestId, listed.RequestId);
        Assert.Equal("stone-b", listed.Hostname);
        Assert.Equal(JoinKit.B, listed.Address);
        Assert.Equal([JoinKit.B, "10.77.0.50"], listed.Addresses);
        Assert.True(listed.TotpValid);
        Assert.True(listed.InScope);
        Assert.Equal(kit.H.Time.GetUtcNow(), listed.RequestedAt);
        Assert.Equal(kit.H.Time.GetUtcNow() + TimeSpan.FromMinutes(10), listed.ExpiresAt);
        Assert.Contains($"join_pending hostname=stone-b from=10.77.0.12 request_id={pending.RequestId}", kit.LastAudit());
        Assert.Contains((await kit.Ca.StatusAsync(CancellationToken.None)).Warnings, w => w.StartsWith("1 join request(s) wait for approval", StringComparison.Ordinal));

        var poll = await kit.Ca.PollJoinAsync(pending.RequestId, CancellationToken.None);
        Assert.Equal("pending", poll.Pending!.Status);
    }

    [Fact]
    public async Task Approve_Pending_SignsAndPollAnswersTheCertificate()
    {
        await using var kit = await JoinKit.CreateAsync(TrustProfile.Team);
        var id = (await kit.JoinAsync("stone-b", kit.Code(), JoinKit.B, null, "10.77.0.50")).Pending!.RequestId;

        var approved = await kit.Ca.ApproveAsync("stone-b", null, CancellationToken.None);

        Assert.Equal("self", approved.ApprovedBy);
        Assert.Equal(id, approved.RequestId);
        Assert.Equal(JoinKit.B, approved.Address);
        var member = kit.Roster.Members.Single(m => m.Hostname == "stone-b");
        Assert.Equal("self", member.ApprovedBy);
        Assert.Equal(member.CertFingerprint, approved.CertFingerprint);
        Assert.Contains("approved_by=self from=10.77.0.12", kit.LastAudit());

        var poll = await kit.Ca.PollJoinAsync(id, CancellationToken.None);
        var issued = poll.Issued!;
        Assert.Equal(["stone-b.local", "stone-b.lan", "10.77.0.12", "10.77.0.50"], issued.Sans);
        Assert.Equal(["10.77.0.50"], kit.Roster.Members.Single(m => m.Hostname == "stone-b").ApprovedAddresses);
        using var leaf = X509Certificate2.CreateFromPem(issued.ServiceCert);
        Assert.Equal(member.CertFingerprint, Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(leaf.RawData)));
        Assert.Empty((await kit.Ca.PendingAsync(CancellationToken.None)).Requests);

        // The answer stays for the joiner's poll for a while, then the request is forgotten.
        kit.H.Time.Advance(TimeSpan.FromMinutes(11));
        Assert.Equal(KoiErrorCode.NotFound, (await Assert.ThrowsAsync<KoiException>(() => kit.Ca.PollJoinAsync(id, CancellationToken.None))).Code);
    }

    [Fact]
    public async Task Approve_NamedApprover_Recorded()
    {
        await using var kit = await JoinKit.CreateAsync(TrustProfile.Team);
        await kit.JoinAsync("stone-b", kit.Code());

        var approved = await kit.Ca.ApproveAsync("STONE-B", "Maria Santos", CancellationToken.None);

        Assert.Equal("Maria Santos", approved.ApprovedBy);
        Assert.Contains("approved_by=Maria%20Santos", kit.LastAudit());
    }

    [Fact]
    public async Task Approve_CaLocked_503AndStillPending()
    {
        await using var kit = await JoinKit.CreateAsync(TrustProfile.Team);
        await kit.JoinAsync("stone-b", kit.Code());
        await kit.Ca.LockAsync(CancellationToken.None);

        var ex = await Assert.ThrowsAsync<KoiException>(() => kit.Ca.ApproveAsync("stone-b", null, CancellationToken.None));

        Assert.Equal(KoiErrorCode.CaLocked, ex.Code);
        Assert.Single((await kit.Ca.PendingAsync(CancellationToken.None)).Requests);
        await kit.Ca.UnlockAsync(CertmeshHarness.Passphrase, CancellationToken.None);
        await kit.Ca.ApproveAsync("stone-b", null, CancellationToken.None);
        Assert.Contains(kit.Roster.Members, m => m.Hostname == "stone-b");
    }

    [Fact]
    public async Task Deny_Pending_PollAnswers403JoinDenied()
    {
        await using var kit = await JoinKit.CreateAsync(TrustProfile.Team);
        var id = (await kit.JoinAsync("stone-b", kit.Code())).Pending!.RequestId;

        var denied = await kit.Ca.DenyAsync("stone-b", "not ours", CancellationToken.None);

        Assert.Equal("self", denied.DeniedBy);
        var ex = await Assert.ThrowsAsync<KoiException>(() => kit.Ca.PollJoinAsync(id, CancellationToken.None));
        Assert.Equal(KoiErrorCode.JoinDenied, ex.Code);
        Assert.Equal(403, ex.HttpStatus);
        Assert.Contains("not ours", ex.Message);
        Assert.Contains($"join_denied hostname=stone-b from=10.77.0.12 request_id={id} by=self reason=not%20ours", kit.LastAudit());
        Assert.DoesNotContain(kit.Roster.Members, m => m.Hostname == "stone-b");
        Assert.Equal(KoiErrorCode.NotFound, (await Assert.ThrowsAsync<KoiException>(() => kit.Ca.ApproveAsync("stone-b", null, CancellationToken.None))).Code);

        // A denied machine may ask again with a new code.
        Assert.NotNull((await kit.JoinAsync("stone-b", kit.NextCode())).Pending);
    }

    [Fact]
    public async Task Join_Pending_ExpiresAfterTenMinutes()
    {
        await using var kit = await JoinKit.CreateAsync(TrustProfile.Team);
        var id = (await kit.JoinAsync("stone-b", kit.Code())).Pending!.RequestId;

        kit.H.Time.Advance(TimeSpan.FromMinutes(9));
        Assert.NotNull((await kit.Ca.PollJoinAsync(id, CancellationToken.None)).Pending);
        kit.H.Time.Advance(TimeSpan.FromMinutes(1));

        var ex = await Assert.ThrowsAsync<KoiException>(() => kit.Ca.PollJoinAsync(id, CancellationToken.None));
        Assert.Equal(KoiErrorCode.JoinDenied, ex.Code);
        Assert.Contains("within 10 minutes", ex.Message);
        Assert.Contains($"join_expired hostname=stone-b from=10.77.0.12 request_id={id}", File.ReadAllText(kit.H.Files.AuditLog));
        Assert.Empty((await kit.Ca.PendingAsync(CancellationToken.None)).Requests);
        Assert.Equal(KoiErrorCode.NotFound, (await Assert.ThrowsAsync<KoiException>(() => kit.Ca.ApproveAsync("stone-b", null, CancellationToken.None))).Code);
    }

    [Fact]
    public async Task Join_SameHostnameAlreadyWaiting_409()
    {
        await using var kit = await JoinKit.CreateAsync(TrustProfile.Team);
        await kit.JoinAsync("stone-b", kit.Code());

        var ex = await kit.RefusedAsync("stone-b", kit.NextCode(), JoinKit.C);

        Assert.Equal(KoiErrorCode.Conflict, ex.Code);
        Assert.Contains("waits for approval", ex.Message);
        Assert.Single((await kit.Ca.PendingAsync(CancellationToken.None)).Requests);
    }

    [Fact]
    public async Task Approve_EnrollmentClosedSinceTheRequest_StillSigns()
    {
        await using var kit = await JoinKit.CreateAsync(TrustProfile.Team);
        var id = (await kit.JoinAsync("stone-b", kit.Code())).Pending!.RequestId;
        await kit.Ca.CloseEnrollmentAsync("operator", CancellationToken.None);

        await kit.Ca.ApproveAsync("stone-b", null, CancellationToken.None);

        Assert.NotNull((await kit.Ca.PollJoinAsync(id, CancellationToken.None)).Issued);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("../x")]
    public async Task Approve_BadHostname_400(string? hostname)
    {
        await using var kit = await JoinKit.CreateAsync(TrustProfile.Team);

        Assert.Equal(KoiErrorCode.InvalidRequest, (await Assert.ThrowsAsync<KoiException>(() => kit.Ca.ApproveAsync(hostname, null, CancellationToken.None))).Code);
    }

    [Fact]
    public async Task Approve_ApproverWithNewline_400()
    {
        await using var kit = await JoinKit.CreateAsync(TrustProfile.Team);
        await kit.JoinAsync("stone-b", kit.Code());

        var ex = await Assert.ThrowsAsync<KoiException>(() => kit.Ca.ApproveAsync("stone-b", "eve\nseq=1", CancellationToken.None));

        Assert.Equal(KoiErrorCode.InvalidRequest, ex.Code);
        Assert.Single((await kit.Ca.PendingAsync(CancellationToken.None)).Requests);
    }

    [Fact]
    public async Task Pending_Restart_Forgotten()
    {
        await using var kit = await JoinKit.CreateAsync(TrustProfile.Team);
        var id = (await kit.JoinAsync("stone-b", kit.Code())).Pending!.RequestId;

        await kit.H.RestartAsync();

        Assert.Empty((await kit.Ca.PendingAsync(CancellationToken.None)).Requests);
        Assert.Equal(KoiErrorCode.NotFound, (await Assert.ThrowsAsync<KoiException>(() => kit.Ca.PollJoinAsync(id, CancellationToken.None))).Code);
    }
}
