using Koi.Certmesh.MeshPlane;
using Koi.Certmesh.Revocation;
using Koi.Testing;

namespace Koi.Certmesh.Tests.MeshPlane;

/// <summary>A renewal supersedes the member's previous certificate: listed as superseded after a grace, and revoked with the member.</summary>
public sealed class SupersededTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Renew_Member_RosterHoldsTheNewSerialAndTheOldAsSuperseded()
    {
        await using var kit = await MeshKit.StartAsync();
        var oldSerial = kit.RosterEntry().CertSerial!;

        await kit.Renewal.RenewIfDueAsync(force: true, Ct);

        using var current = kit.MemberCertificate();
        var entry = kit.RosterEntry();
        Assert.Equal(RevocationListSigner.SerialHex(current.SerialNumberBytes.Span), entry.CertSerial);
        Assert.NotEqual(oldSerial, entry.CertSerial);
        Assert.Equal(oldSerial, Assert.Single(entry.Superseded!).Serial);
    }

    [Fact]
    public async Task PublishIfDue_SupersededGraceOver_BundleAndCrlListOnlyTheOldSerialAsSuperseded()
    {
        await using var kit = await MeshKit.StartAsync();
        var oldSerial = kit.RosterEntry().CertSerial!;
        await kit.Renewal.RenewIfDueAsync(force: true, Ct);
        var newSerial = kit.RosterEntry().CertSerial!;
        await HeartbeatAsync(kit);

        await PublishIfDueAsync(kit);
        Assert.False(kit.Join.Ca.Bundle!.Revokes(oldSerial));
        kit.Join.H.Time.Advance(TrustBundlePublisher.SupersededGrace + TimeSpan.FromMinutes(1));
        await PublishIfDueAsync(kit);

        var held = kit.Join.Ca.Bundle!;
        var listed = Assert.Single(held.Bundle.Revoked);
        Assert.Equal(oldSerial, listed.Serial);
        Assert.Equal(RevokedCertificate.SupersededReason, listed.Reason);
        Assert.False(held.Revokes(newSerial));
        using var dir = new TempDirectory();
        File.WriteAllBytes(dir.Combine("crl.der"), held.CrlDer);
        var (exit, text, error) = Tool.Run("openssl", "crl", "-inform", "DER", "-in", dir.Combine("crl.der"), "-noout", "-text");
        Assert.True(exit == 0, error);
        Assert.Contains("Superseded", text, StringComparison.Ordinal);
        Assert.Contains(oldSerial.ToUpperInvariant(), text.Replace(":", string.Empty, StringComparison.Ordinal).ToUpperInvariant(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task PublishIfDue_SupersededCertificateExpired_DroppedFromTheNextBundle()
    {
        await using var kit = await MeshKit.StartAsync();
        var oldSerial = kit.RosterEntry().CertSerial!;
        kit.Join.H.Time.Advance(TimeSpan.FromDays(20));
        await kit.Renewal.RenewIfDueAsync(force: false, Ct);
        await HeartbeatAsync(kit);
        kit.Join.H.Time.Advance(TimeSpan.FromDays(1));
        await PublishIfDueAsync(kit);
        Assert.True(kit.Join.Ca.Bundle!.Revokes(oldSerial));

        kit.Join.H.Time.Advance(TimeSpan.FromDays(10));
        await PublishIfDueAsync(kit);

        Assert.Empty(kit.Join.Ca.Bundle!.Bundle.Revoked);
    }

    [Fact]
    public async Task Revoke_AfterARenewal_CurrentAndSupersededSerialsBothRevoked()
    {
        await using var kit = await MeshKit.StartAsync();
        var oldSerial = kit.RosterEntry().CertSerial!;
        await kit.Renewal.RenewIfDueAsync(force: true, Ct);
        var newSerial = kit.RosterEntry().CertSerial!;

        var entry = await kit.Join.Ca.RevokeAsync("stone-b", "lost laptop", Ct);

        Assert.Equal([newSerial, oldSerial], entry.Serials!);
        Assert.True(kit.Join.Ca.Bundle!.Revokes(newSerial));
        Assert.True(kit.Join.Ca.Bundle!.Revokes(oldSerial));
    }

    /// <summary>stone-b reports with its new certificate: the CA then knows the renewal's answer arrived.</summary>
    private static Task<HeartbeatResponse> HeartbeatAsync(MeshKit kit) =>
        kit.Mesh.HeartbeatAsync(kit.Membership.Current!, new HeartbeatRequest(null, null, null), Ct);

    private static Task<bool> PublishIfDueAsync(MeshKit kit) => kit.Join.Ca.Context.Serialized(() =>
    {
        kit.Join.Ca.Bundles.PublishIfDue();
        return true;
    }, Ct);
}
