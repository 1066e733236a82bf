using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using Koi.Certmesh.Authority;
using Koi.Certmesh.Membership;
using Koi.Certmesh.Roster;
using Koi.Certmesh.Standby;
using Koi.Core.Errors;
using Koi.Testing;

namespace Koi.Certmesh.Tests.Standby;

/// <summary>
/// Two CAs of one mesh that both could sign (docs/certmesh.md, "Return and tie-break"): two standbys whose primary
/// is gone, two CAs restarted at once, an auto-unlocked primary that restarts after it was replaced. Exactly one signs.
/// </summary>
public sealed class TieBreakTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Tick_TwoPrimariesSameEpochUnknownToEachOther_HigherHostnameDefersLowerKeepsSigning()
    {
        await using var kit = await StandbyKit.StartAsync();
        await kit.PromoteAsync();
        await kit.BLoop.TickAsync(Ct);

        // Two standbys of a vanished primary took over at once: both are primary under epoch 1, neither knows the
        // other as its partner; each finds the other only by its announcement.
        await new StandbyTakeover(kit.B, kit.Node).TakeOverAsync("its primary vanished", Ct);
        kit.Ca.Handover.Store.Save(kit.Ca.Handover.State with { Epoch = 1, Standby = null });
        kit.Ca.Roster.Update(r => r! with { Members = [.. r.Members.Select(m => m.Hostname == "stone-b" ? m with { Role = MemberRole.Member } : m)] });
        kit.BLoop.LocatePeer = _ => null;
        kit.ALoop.Rivals = (_, _) => [kit.LinkTo("stone-a", "stone-b", kit.BPlane)];
        kit.BLoop.Rivals = (_, _) => [kit.LinkTo("stone-b", "stone-a", kit.Mesh.Plane)];

        await kit.ALoop.TickAsync(Ct);
        Assert.True(kit.Ca.Initialized);
        Assert.Contains("stone-a sorts first, stone-b defers", StandbyKit.HaStatus(kit.AStatus), StringComparison.Ordinal);
        Assert.Equal(MemberRole.Standby, kit.Ca.Roster.Current!.Members.Single(m => m.Hostname == "stone-b").Role);
        Assert.Contains("standby_adopted", kit.Mesh.Join.H.AuditEvents());

        await kit.BLoop.TickAsync(Ct);

        Assert.False(kit.B.Initialized);
        Assert.Null(kit.B.Handover.Claim());
        Assert.True(kit.Node.IsStandby);
        Assert.Equal(("stone-a", 1L), (kit.Node.Ha.Current!.Primary, kit.Node.Ha.Current.Epoch));
        Assert.Contains("same epoch and sorts first", StandbyKit.HaStatus(kit.BStatus), StringComparison.Ordinal);
        Assert.Contains("deferred", File.ReadAllText(kit.Node.Files.AuditLog), StringComparison.Ordinal);
        var renewed = await kit.Ca.Renewals.RenewOwnAsync(null, Ct);
        Assert.NotNull(renewed.CertSerial);

        // The loser follows the winner: it is the winner's standby now, so its syncs are answered.
        var synced = kit.BLoop.LastSync;
        kit.Time.Advance(StandbyKit.HaOptions.StandbySyncInterval);
        await kit.BLoop.TickAsync(Ct);
        Assert.NotEqual(synced, kit.BLoop.LastSync);
        Assert.Equal(Koi.Core.Storage.KoiJson.ToIndentedString(kit.Ca.Roster.Current!, CertmeshJsonContext.Default.RosterDocument), kit.Node.RosterText);
    }

    [Fact]
    public async Task Tick_StandbysPrimaryGoneAnotherProvesItselfPrimary_FollowsItInsteadOfTakingOver()
    {
        await using var kit = await StandbyKit.StartAsync();
        await kit.PromoteAsync();
        await kit.BLoop.TickAsync(Ct);

        // stone-b's primary (stone-x) is gone; stone-a, the other standby, took over first and announces itself.
        kit.Node.SaveLink(kit.Node.Link! with { PrimaryHostname = "stone-x", MeshPort = ClosedPort() });
        kit.BLoop.Rivals = (_, _) => [kit.LinkTo("stone-b", "stone-a", kit.Mesh.Plane)];
        kit.Time.Advance(TimeSpan.FromSeconds(61));

        await kit.BLoop.TickAsync(Ct);

        Assert.False(kit.B.Initialized);
        Assert.True(kit.Node.IsStandby);
        Assert.Equal("stone-a", kit.Node.Link!.PrimaryHostname);
        Assert.Equal("stone-a", kit.Node.Ha.Current!.Primary);
        Assert.Contains("followed", StandbyKit.HaStatus(kit.BStatus), StringComparison.Ordinal);
        Assert.Contains("standby_follows", File.ReadAllText(kit.Mesh.MemberFiles.MemberAuditLog), StringComparison.Ordinal);

        // Still no takeover a grace later: the primary it follows answers.
        kit.Time.Advance(TimeSpan.FromSeconds(61));
        await kit.BLoop.TickAsync(Ct);
        Assert.False(kit.B.Initialized);
        Assert.NotNull(kit.BLoop.LastSync);
    }

    [Fact]
    public async Task Restart_AutoUnlockedPrimaryReplacedMeanwhile_SignsNothingBeforeItsFirstLookThenDefers()
    {
        await using var kit = await StandbyKit.StartAsync();
        EnableAutoUnlock(kit);
        await kit.PromoteAsync();
        await kit.BLoop.TickAsync(Ct);
        await kit.Mesh.Plane.StopAsync(Ct);
        kit.Time.Advance(TimeSpan.FromSeconds(61));
        await kit.BLoop.TickAsync(Ct);
        Assert.True(kit.B.Initialized);

        await kit.RestartAAsync();

        // Unlocked by itself, but before its first look it neither signs nor announces.
        Assert.False(kit.Ca.Locked);
        var refused = await Assert.ThrowsAsync<KoiException>(() => kit.Ca.Renewals.RenewOwnAsync(null, Ct));
        Assert.Equal(KoiErrorCode.CaLocked, refused.Code);
        Assert.DoesNotContain(kit.Mesh.Join.H.Advertiser.Active, s => s.Name == CertmeshAnnouncer.InstanceName("stone-a"));
        Assert.Equal("denied", kit.Mesh.Join.H.AuditEvents()[^1]);

        await kit.ALoop.TickAsync(Ct);

        Assert.False(kit.Ca.Initialized);
        Assert.True(kit.ANode.IsStandby);
        Assert.Equal(("stone-b", 1L), (kit.ANode.Ha.Current!.Primary, kit.ANode.Ha.Current.Epoch));
    }

    [Fact]
    public async Task Restart_AutoUnlockedPrimaryStandbyStillStandby_FirstLookFindsNoPrimaryThenSignsAndAnnounces()
    {
        await using var kit = await StandbyKit.StartAsync();
        EnableAutoUnlock(kit);
        await kit.PromoteAsync();
        await kit.RestartAAsync();
        await Assert.ThrowsAsync<KoiException>(() => kit.Ca.Renewals.RenewOwnAsync(null, Ct));

        await kit.ALoop.TickAsync(Ct);

        Assert.Null(kit.Ca.Vault.Hold);
        Assert.NotNull((await kit.Ca.Renewals.RenewOwnAsync(null, Ct)).CertSerial);
        Assert.Contains(kit.Mesh.Join.H.Advertiser.Active, s => s.Name == CertmeshAnnouncer.InstanceName("stone-a") && s.Txt!["role"] == "primary");
        Assert.Contains("signing_resumed", kit.Mesh.Join.H.AuditEvents());
        Assert.StartsWith("primary (epoch 0)", StandbyKit.HaStatus(kit.AStatus), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Defer_OldPrimary_BecomesMemberOfWinnerAndRenewsItsOwnCertificateThere()
    {
        await using var kit = await StandbyKit.StartAsync();
        await kit.PromoteAsync();
        await kit.BLoop.TickAsync(Ct);
        await kit.Mesh.Plane.StopAsync(Ct);
        kit.Time.Advance(TimeSpan.FromSeconds(61));
        await kit.BLoop.TickAsync(Ct);
        var before = Serial(kit);

        await kit.ALoop.TickAsync(Ct);

        var member = kit.AMembership.Current;
        Assert.NotNull(member);
        Assert.Equal(("stone-a", "stone-b", kit.BPlane.Port), (member.Hostname, member.CaHostname, member.CaMeshPort));
        Assert.Equal(kit.B.Roster.Current!.Metadata.CaFingerprint, member.PinnedCaFingerprint);

        var renewal = new MemberRenewal(kit.AMembership, kit.AMesh, kit.AFiles, new MemberAuditTrail(kit.AFiles, kit.Time), kit.Time, new RecordingLogger());
        var view = await renewal.RenewIfDueAsync(force: true, Ct);

        Assert.True(view.Renewed);
        var after = Serial(kit);
        Assert.NotEqual(before, after);
        Assert.Equal(after, kit.B.Roster.Current!.Members.Single(m => m.Hostname == "stone-a").CertSerial);
    }

    private static void EnableAutoUnlock(StandbyKit kit)
    {
        var h = kit.Mesh.Join.H;
        AutoUnlock.Store(h.Files.AutoUnlock, CertmeshHarness.Passphrase, h.MachineId!);
        kit.Ca.Roster.Update(r => r! with { Metadata = r.Metadata with { AutoUnlock = true } });
    }

    private static string Serial(StandbyKit kit)
    {
        using var cert = X509Certificate2.CreateFromPem(File.ReadAllText(Path.Combine(kit.AFiles.CertPath("stone-a"), "cert.pem")));
        return cert.SerialNumber.ToLowerInvariant();
    }

    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
