using System.Security.Cryptography;
using Koi.Certmesh.Roster;
using Koi.Certmesh.Standby;
using Koi.Core.Errors;

namespace Koi.Certmesh.Tests.Standby;

public sealed class PromoteTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Promote_RightCode_StandbyHoldsTheCaKeySealedUnderItsPassphraseAndRosterShowsRoles()
    {
        await using var kit = await StandbyKit.StartAsync();

        var result = await kit.PromoteAsync();

        Assert.Equal("stone-b", result.Standby);
        Assert.Equal(kit.Ca.Roster.Current!.Metadata.CaFingerprint, result.CaFingerprint);
        Assert.True(kit.Node.IsStandby);
        Assert.False(kit.Node.Locked);
        Assert.Equal(HaRole.Standby, kit.Node.Ha.Current!.Role);
        Assert.Equal(MemberRole.Standby, kit.Mesh.RosterEntry("stone-b").Role);
        Assert.Equal(MemberRole.Primary, kit.Ca.Roster.Current!.Members.Single(m => m.Role == MemberRole.Primary).Role);
        Assert.Equal("stone-b", kit.Ca.Handover.State.Standby);

        // The key on the standby is the CA's: it matches the certificate, and opens only with the standby passphrase.
        var onDisk = File.ReadAllText(kit.Node.Files.CaKey);
        using (var key = Koi.Certmesh.Crypto.KeyVault.DecryptKey(onDisk, StandbyKit.StandbyPassphrase))
        {
            Assert.True(CaHandover.KeyMatches(kit.Node.CaCert!, key));
        }

        Assert.ThrowsAny<CryptographicException>(() => Koi.Certmesh.Crypto.KeyVault.DecryptKey(onDisk, Koi.Certmesh.Tests.CertmeshHarness.Passphrase).Dispose());
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(kit.Node.Files.CaKey));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(kit.Node.Files.TotpSecret));

        // Both sides audit; the standby's copy of the CA log already records its own promotion.
        Assert.Contains("standby_promoted", kit.Mesh.Join.H.AuditEvents());
        Assert.Contains("standby_received", File.ReadAllText(kit.Mesh.MemberFiles.MemberAuditLog), StringComparison.Ordinal);
        Assert.Contains("standby_promoted", File.ReadAllText(kit.Node.Files.AuditLog), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Promote_WrongCode_401NothingWrittenOnEitherSideDenialAudited()
    {
        await using var kit = await StandbyKit.StartAsync();

        var ex = await Assert.ThrowsAsync<KoiException>(() => kit.PromoteAsync(kit.Mesh.Join.WrongCode()));

        Assert.Equal(KoiErrorCode.Unauthorized, ex.Code);
        Assert.False(kit.Node.IsStandby);
        Assert.False(Directory.Exists(kit.Node.Files.Dir));
        Assert.Equal(MemberRole.Member, kit.Mesh.RosterEntry("stone-b").Role);
        Assert.Contains("totp_failed", kit.Mesh.Join.H.AuditEvents());
        Assert.Contains("promote_refused", File.ReadAllText(kit.Mesh.MemberFiles.MemberAuditLog), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Promote_WeakPassphrase_RefusedBeforeAskingThePrimary()
    {
        await using var kit = await StandbyKit.StartAsync();

        var ex = await Assert.ThrowsAsync<KoiException>(() => kit.Promotion.PromoteAsync(kit.Mesh.Join.Code(), "short", Ct));

        Assert.Equal(KoiErrorCode.InvalidRequest, ex.Code);
        Assert.DoesNotContain("standby_promoted", kit.Mesh.Join.H.AuditEvents());
    }

    [Fact]
    public async Task Promote_CaLocked_RefusedAndNothingHandedOver()
    {
        await using var kit = await StandbyKit.StartAsync();
        await kit.Ca.LockAsync(Ct);

        var ex = await Assert.ThrowsAsync<KoiException>(() => kit.PromoteAsync());

        Assert.Equal(KoiErrorCode.CaLocked, ex.Code);
        Assert.False(kit.Node.IsStandby);
        Assert.Equal(MemberRole.Member, kit.Mesh.RosterEntry("stone-b").Role);
    }

    [Fact]
    public async Task Promote_Twice_SecondIsConflictAndTheStandbyStays()
    {
        await using var kit = await StandbyKit.StartAsync();
        await kit.PromoteAsync();

        var ex = await Assert.ThrowsAsync<KoiException>(() => kit.PromoteAsync(kit.Mesh.Join.NextCode()));

        Assert.Equal(KoiErrorCode.Conflict, ex.Code);
        Assert.True(kit.Node.IsStandby);
    }

    [Fact]
    public async Task Unlock_AfterRestart_OpensWithTheStandbyPassphraseOnly()
    {
        await using var kit = await StandbyKit.StartAsync();
        await kit.PromoteAsync();
        using var restarted = new StandbyNode(kit.Node.Files, new HaStateStore(kit.Node.Ha.Path), kit.Mesh.Audit, kit.Time);

        Assert.True(restarted.Locked);
        var wrong = await Assert.ThrowsAsync<KoiException>(() => restarted.UnlockAsync("not the passphrase 1", Ct));
        await restarted.UnlockAsync(StandbyKit.StandbyPassphrase, Ct);

        Assert.Equal(KoiErrorCode.Unauthorized, wrong.Code);
        var trail = File.ReadAllText(kit.Mesh.MemberFiles.MemberAuditLog);
        Assert.Contains("standby_unlock_failed", trail, StringComparison.Ordinal);
        Assert.Contains("standby_unlocked", trail, StringComparison.Ordinal);
        Assert.False(restarted.Locked);
        Assert.True(CaHandover.KeyMatches(restarted.CaCert!, restarted.Secrets!.CaKey));
    }
}
