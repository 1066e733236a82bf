using Koi.Certmesh.Roster;
using Koi.Certmesh.Standby;
using Koi.Core.Errors;

namespace Koi.Certmesh.Tests.Standby;

public sealed class FailoverTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Tick_PrimaryAnswers_StandbySyncsVerifiedRosterAndStaysStandby()
    {
        await using var kit = await StandbyKit.StartAsync();
        await kit.PromoteAsync();

        await kit.BLoop.TickAsync(Ct);

        Assert.False(kit.B.Initialized);
        Assert.True(kit.Node.IsStandby);
        Assert.NotNull(kit.BLoop.LastSync);
        // The roster as it stands on the CA (roster.json plus the journal the joins appended to), not the file alone.
        Assert.Equal(Koi.Core.Storage.KoiJson.ToIndentedString(kit.Mesh.Join.H.Authority.Roster.Current!, CertmeshJsonContext.Default.RosterDocument), kit.Node.RosterText);
        Assert.Contains("\"stone-b\"", kit.Node.RosterText, StringComparison.Ordinal);
        Assert.Equal(File.ReadAllText(kit.Mesh.Join.H.Files.AuditLog), File.ReadAllText(kit.Node.Files.AuditLog));
    }

    [Fact]
    public async Task Verify_RosterChangedAfterSigning_RefusedAndNothingStored()
    {
        await using var kit = await StandbyKit.StartAsync();
        await kit.PromoteAsync();
        var before = kit.Node.RosterText;
        var response = await kit.Ca.Handover.SyncAsync(new Koi.Certmesh.MeshPlane.MeshPeer("stone-b", "x", "1", kit.Time.GetUtcNow()), Ct);
        var sync = new StandbySync(kit.Node, kit.Mesh.Mesh);

        var ex = Assert.Throws<KoiException>(() => sync.Verify(response with { Roster = response.Roster.Replace("stone-b", "stone-x", StringComparison.Ordinal) }, kit.Ca.Roster.Current!.Metadata.CaFingerprint));

        Assert.Equal(KoiErrorCode.Forbidden, ex.Code);
        Assert.Equal(before, kit.Node.RosterText);
        Assert.NotNull(sync.Verify(response, kit.Ca.Roster.Current!.Metadata.CaFingerprint));
    }

    [Fact]
    public async Task Sync_NotTheStandby_403AndAudited()
    {
        await using var kit = await StandbyKit.StartAsync();

        var ex = await Assert.ThrowsAsync<KoiException>(() => new StandbySync(kit.Node, kit.Mesh.Mesh).SyncAsync(Ct));

        Assert.Equal(KoiErrorCode.InvalidRequest, ex.Code);
        var direct = await Assert.ThrowsAsync<KoiException>(() =>
            kit.Ca.Handover.SyncAsync(new Koi.Certmesh.MeshPlane.MeshPeer("stone-b", "x", "1", kit.Time.GetUtcNow()), Ct));
        Assert.Equal(KoiErrorCode.Forbidden, direct.Code);
        Assert.Contains("denied", kit.Mesh.Join.H.AuditEvents());
    }

    [Fact]
    public async Task Tick_PrimaryGoneWithinGrace_StandbyWaits()
    {
        await using var kit = await StandbyKit.StartAsync();
        await kit.PromoteAsync();
        await kit.BLoop.TickAsync(Ct);
        await kit.Mesh.Plane.StopAsync(Ct);

        kit.Time.Advance(TimeSpan.FromSeconds(50));
        await kit.BLoop.TickAsync(Ct);

        Assert.False(kit.B.Initialized);
        Assert.True(kit.Node.IsStandby);
    }

    [Fact]
    public async Task Tick_PrimaryGoneLongerThanGrace_StandbyBecomesPrimaryUnderEpochOneAndSigns()
    {
        await using var kit = await StandbyKit.StartAsync();
        await kit.PromoteAsync();
        await kit.BLoop.TickAsync(Ct);
        await kit.Mesh.Plane.StopAsync(Ct);

        kit.Time.Advance(TimeSpan.FromSeconds(61));
        await kit.BLoop.TickAsync(Ct);

        Assert.True(kit.B.Initialized);
        Assert.False(kit.B.Locked);
        Assert.Equal(HaRole.Primary, kit.B.Handover.State.Role);
        Assert.Equal(1, kit.B.Handover.State.Epoch);
        Assert.Equal(MemberRole.Primary, kit.B.Roster.Current!.Members.Single(m => m.Hostname == "stone-b").Role);
        Assert.Equal(MemberRole.Standby, kit.B.Roster.Current!.Members.Single(m => m.Hostname == "stone-a").Role);
        Assert.Contains("became_primary", File.ReadAllText(kit.B.Context.Files.AuditLog), StringComparison.Ordinal);
        Assert.False(File.Exists(kit.Node.Files.CaKey));
        Assert.Contains(kit.Advertiser.Active, s => s.Txt!["role"] == "primary");
        Assert.Equal(1, kit.B.Bundle!.Bundle.Epoch);

        // It signs: the role claim verifies under the CA certificate.
        var claim = ManifestSigner.Verify(kit.B.Handover.Claim()!, CertmeshJsonContext.Default.RoleClaim, kit.B.Vault.CaCert!, StandbyHandover.ClaimContext, out _);
        Assert.Equal(("primary", 1L), (claim!.Role, claim.Epoch));
    }

    [Fact]
    public async Task Tick_StandbyLockedWhenPrimaryGoes_FailedInStatusNoTakeover()
    {
        await using var kit = await StandbyKit.StartAsync();
        await kit.PromoteAsync();
        kit.Node.Release()!.Dispose();
        await kit.Mesh.Plane.StopAsync(Ct);
        await kit.BLoop.TickAsync(Ct);

        kit.Time.Advance(TimeSpan.FromSeconds(61));
        await kit.BLoop.TickAsync(Ct);

        Assert.False(kit.B.Initialized);
        Assert.True(kit.Node.IsStandby);
    }

    [Fact]
    public async Task Tick_OldPrimarySeesHigherEpoch_DefersStopsSigningAndFollows()
    {
        await using var kit = await StandbyKit.StartAsync();
        await kit.PromoteAsync();
        await kit.BLoop.TickAsync(Ct);
        await kit.Mesh.Plane.StopAsync(Ct);
        kit.Time.Advance(TimeSpan.FromSeconds(61));
        await kit.BLoop.TickAsync(Ct);
        Assert.True(kit.B.Initialized);

        // stone-a comes back (its daemon never lost its state) and looks before it signs again.
        await kit.ALoop.TickAsync(Ct);

        Assert.False(kit.Ca.Initialized);
        Assert.True(kit.ANode.IsStandby);
        Assert.Equal(("stone-b", 1L), (kit.ANode.Ha.Current!.Primary, kit.ANode.Ha.Current.Epoch));
        Assert.Contains("deferred", File.ReadAllText(kit.ANode.Files.AuditLog), StringComparison.Ordinal);
        var refused = await Assert.ThrowsAsync<KoiException>(() => kit.Mesh.Join.JoinAsync("stone-c", kit.Mesh.Join.Code()));
        Assert.Equal(KoiErrorCode.CaNotInitialized, refused.Code);

        // As standby it follows the new primary: the next tick syncs from stone-b.
        await kit.ALoop.TickAsync(Ct);
        Assert.NotNull(kit.ALoop.LastSync);
        Assert.True(kit.B.Initialized);
    }

    [Theory]
    [InlineData(2, 1, "stone-z", true)]
    [InlineData(1, 2, "stone-a", false)]
    [InlineData(1, 1, "stone-a", true)]
    [InlineData(1, 1, "stone-c", false)]
    public void Outranks_EpochThenLowestHostname_OneWinner(long theirs, long mine, string theirHost, bool expected)
    {
        var claim = new RoleClaim(theirHost, "fp", "primary", theirs, DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch);

        Assert.Equal(expected, HaLoop.Outranks(claim, new HaState(HaRole.Primary, mine, DateTimeOffset.UnixEpoch, "stone-b", null, null), "stone-b"));
    }

    [Fact]
    public async Task VerifyBundle_LowerEpochRefusedHigherEpochWinsOverSequence()
    {
        await using var kit = await StandbyKit.StartAsync();
        var held = kit.Ca.Bundle!;
        var fingerprint = kit.Ca.Roster.Current!.Metadata.CaFingerprint;
        var key = kit.Ca.Vault.SecretsIfUnlocked!.CaKey;
        var newer = Koi.Certmesh.Revocation.TrustBundleSigner.Sign(held.Bundle with { Epoch = 2, Sequence = 1 }, key);

        var accepted = Koi.Certmesh.Revocation.TrustBundleVerifier.Verify(newer, fingerprint, heldSequence: 5, heldEpoch: 1);
        var refused = Assert.Throws<Koi.Certmesh.Revocation.TrustBundleRejectedException>(() =>
            Koi.Certmesh.Revocation.TrustBundleVerifier.Verify(held.Signed, fingerprint, heldSequence: 0, heldEpoch: 1));

        Assert.Equal(2, accepted.Epoch);
        Assert.Equal("older", refused.Reason);
    }
}
