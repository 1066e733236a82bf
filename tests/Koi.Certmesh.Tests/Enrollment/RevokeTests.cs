using Koi.Certmesh.Roster;
using Koi.Core.Errors;

namespace Koi.Certmesh.Tests.Enrollment;

public sealed class RevokeTests
{
    [Fact]
    public async Task Revoke_Member_MarkedListedAuditedAndRefusedEverywhere()
    {
        await using var kit = await JoinKit.CreateAsync(TrustProfile.Organization);
        await kit.Ca.OpenEnrollmentAsync(null, CancellationToken.None);
        await kit.JoinAsync("stone-b", kit.Code());
        await kit.Ca.ApproveAsync("stone-b", null, CancellationToken.None);
        var fingerprint = kit.Roster.Members.Single(m => m.Hostname == "stone-b").CertFingerprint;

        var entry = await kit.Ca.RevokeAsync("stone-b", "laptop stolen", CancellationToken.None);

        Assert.Equal("stone-b", entry.Hostname);
        Assert.Equal("Maria Santos", entry.RevokedBy);
        Assert.Equal("laptop stolen", entry.Reason);
        Assert.Equal(kit.H.Time.GetUtcNow(), entry.RevokedAt);
        Assert.Equal(MemberStatus.Revoked, kit.Roster.Members.Single(m => m.Hostname == "stone-b").Status);
        Assert.Equal(entry, Assert.Single(kit.Roster.RevocationList));
        // The revocation, then the trust bundle that enforces it (tests/…/Revocation/RevokePublishesTests).
        Assert.Contains($"member_revoked hostname=stone-b fingerprint={fingerprint} by=Maria%20Santos reason=laptop%20stolen", File.ReadAllLines(kit.H.Files.AuditLog)[^2]);

        Assert.True(kit.Ca.IsRevoked("stone-b"));
        Assert.True(kit.Ca.IsRevoked("STONE-B"));
        Assert.False(kit.Ca.IsRevoked("stone-a"));
        var byName = Assert.Throws<KoiException>(() => kit.Ca.RequireMemberInGoodStanding("stone-b", null, "renew"));
        Assert.Equal(KoiErrorCode.Revoked, byName.Code);
        Assert.Equal(403, byName.HttpStatus);
        Assert.Contains("denied action=renew hostname=stone-b reason=revoked", kit.LastAudit());

        // Survives a restart (it lives in the roster).
        await kit.H.RestartAsync();
        await kit.Ca.UnlockAsync(CertmeshHarness.Passphrase, CancellationToken.None);
        Assert.True(kit.Ca.IsRevoked("stone-b"));
        Assert.Equal(KoiErrorCode.Revoked, (await kit.RefusedAsync("stone-b", kit.NextCode())).Code);
    }

    [Fact]
    public async Task RequireMemberInGoodStanding_ActiveMember_ReturnsItAndChecksTheCertificate()
    {
        await using var kit = await JoinKit.CreateAsync();
        await kit.JoinAsync("stone-b", kit.Code());
        var member = kit.Roster.Members.Single(m => m.Hostname == "stone-b");

        Assert.Equal(member, kit.Ca.RequireMemberInGoodStanding("stone-b", member.CertFingerprint, "renew"));
        Assert.Equal(KoiErrorCode.Forbidden, Assert.Throws<KoiException>(() => kit.Ca.RequireMemberInGoodStanding("stone-b", new string('0', 64), "renew")).Code);
        Assert.Equal(KoiErrorCode.Forbidden, Assert.Throws<KoiException>(() => kit.Ca.RequireMemberInGoodStanding("stone-z", null, "renew")).Code);
    }

    [Fact]
    public async Task Revoke_Primary_400()
    {
        await using var kit = await JoinKit.CreateAsync();
        var before = kit.RosterOnDisk();

        var ex = await Assert.ThrowsAsync<KoiException>(() => kit.Ca.RevokeAsync("stone-a", null, CancellationToken.None));

        Assert.Equal(KoiErrorCode.InvalidRequest, ex.Code);
        Assert.Equal(before, kit.RosterOnDisk());
    }

    [Fact]
    public async Task Revoke_Unknown_404()
    {
        await using var kit = await JoinKit.CreateAsync();

        Assert.Equal(KoiErrorCode.NotFound, (await Assert.ThrowsAsync<KoiException>(() => kit.Ca.RevokeAsync("stone-z", null, CancellationToken.None))).Code);
    }

    [Fact]
    public async Task Revoke_Twice_409AndOneEntry()
    {
        await using var kit = await JoinKit.CreateAsync();
        await kit.JoinAsync("stone-b", kit.Code());
        await kit.Ca.RevokeAsync("stone-b", null, CancellationToken.None);

        Assert.Equal(KoiErrorCode.Conflict, (await Assert.ThrowsAsync<KoiException>(() => kit.Ca.RevokeAsync("stone-b", null, CancellationToken.None))).Code);
        Assert.Single(kit.Roster.RevocationList);
    }

    [Fact]
    public async Task Revoke_WhileLocked_Works()
    {
        await using var kit = await JoinKit.CreateAsync();
        await kit.JoinAsync("stone-b", kit.Code());
        await kit.Ca.LockAsync(CancellationToken.None);

        await kit.Ca.RevokeAsync("stone-b", null, CancellationToken.None);

        Assert.True(kit.Ca.IsRevoked("stone-b"));
        Assert.Equal("self", kit.Roster.RevocationList[0].RevokedBy);
    }
}
