using System.Security.Cryptography.X509Certificates;
using Koi.Certmesh.Revocation;
using Koi.Certmesh.Roster;

namespace Koi.Certmesh.Tests.Revocation;

/// <summary>The CA's side: revoking signs a new bundle and CRL that name the member's certificate serial.</summary>
public sealed class RevokePublishesTests
{
    [Fact]
    public async Task Create_UnlockedCa_SignsBundleOneWithNoRevocationsAndCrlFile()
    {
        await using var kit = await Enrollment.JoinKit.CreateAsync();

        var held = Assert.IsType<HeldBundle>(kit.Ca.Bundle);

        Assert.Equal(1, held.Bundle.Sequence);
        Assert.Empty(held.Bundle.Revoked);
        Assert.Equal(kit.Roster.Metadata.CaFingerprint, held.Bundle.CaFingerprint);
        Assert.Contains("BEGIN X509 CRL", File.ReadAllText(kit.H.Files.Crl), StringComparison.Ordinal);
        Assert.Same(held.Trust, kit.H.Bundles.Current);
    }

    [Fact]
    public async Task Revoke_UnlockedCa_NextBundleNamesTheMembersSerial_CertificateCarriesCrlUrl()
    {
        await using var kit = await Enrollment.JoinKit.CreateAsync();
        await kit.JoinAsync("stone-b", kit.Code());
        var member = kit.Roster.Members.Single(m => m.Hostname == "stone-b");
        Assert.NotNull(member.CertSerial);

        var entry = await kit.Ca.RevokeAsync("stone-b", "laptop stolen", CancellationToken.None);

        Assert.Equal([member.CertSerial!], entry.Serials!);
        var held = kit.Ca.Bundle!;
        Assert.Equal(2, held.Bundle.Sequence);
        Assert.Equal(member.CertSerial, Assert.Single(held.Bundle.Revoked).Serial);
        Assert.True(held.Revokes(member.CertSerial!));
        Assert.Contains("trust_bundle_published sequence=2 revoked=1", kit.LastAudit(), StringComparison.Ordinal);
        var verified = TrustBundleVerifier.Verify(held.Signed, kit.Roster.Metadata.CaFingerprint, heldSequence: 1);
        Assert.Equal(2, verified.Sequence);
    }

    [Fact]
    public async Task Revoke_LockedCa_BundleSignedAtNextUnlock_AndSurvivesRestart()
    {
        await using var kit = await Enrollment.JoinKit.CreateAsync();
        await kit.JoinAsync("stone-b", kit.Code());
        await kit.Ca.LockAsync(CancellationToken.None);

        await kit.Ca.RevokeAsync("stone-b", null, CancellationToken.None);

        Assert.Equal(1, kit.Ca.Bundle!.Bundle.Sequence);
        await kit.H.RestartAsync();
        Assert.Equal(1, kit.Ca.Bundle!.Bundle.Sequence);
        await kit.Ca.UnlockAsync(CertmeshHarness.Passphrase, CancellationToken.None);
        Assert.Equal(2, kit.Ca.Bundle!.Bundle.Sequence);
        Assert.Single(kit.Ca.Bundle.Bundle.Revoked);
    }

    [Fact]
    public async Task Join_IssuedCertificate_CarriesTheCasCrlDistributionPoint()
    {
        await using var kit = await Enrollment.JoinKit.CreateAsync();
        var issued = await kit.JoinAsync("stone-b", kit.Code());

        using var cert = X509Certificate2.CreateFromPem(issued.Issued!.ServiceCert);
        var extension = cert.Extensions["2.5.29.31"];

        Assert.NotNull(extension);
        Assert.Contains(kit.Ca.CrlUrl, new AsnText(extension!).Text, StringComparison.Ordinal);
        Assert.Equal($"http://{kit.Ca.Hostname}.local:{kit.H.Options.AnnouncePort}/v1/certmesh/crl", kit.Ca.CrlUrl);
    }

    [Fact]
    public async Task Compliance_RevokedWhileLocked_AttentionNeededUntilUnlockSignsIt()
    {
        await using var kit = await Enrollment.JoinKit.CreateAsync();
        await kit.JoinAsync("stone-b", kit.Code());
        await kit.Ca.LockAsync(CancellationToken.None);
        await kit.Ca.RevokeAsync("stone-b", null, CancellationToken.None);

        var locked = await kit.Ca.ComplianceAsync(CancellationToken.None);
        await kit.Ca.UnlockAsync(CertmeshHarness.Passphrase, CancellationToken.None);
        var unlocked = await kit.Ca.ComplianceAsync(CancellationToken.None);

        Assert.False(locked.Healthy);
        Assert.Contains(locked.Items, i => i.Label == "Warning" && i.Value.Contains("stone-b is revoked but no signed trust bundle or CRL names it", StringComparison.Ordinal));
        Assert.DoesNotContain(unlocked.Items, i => i.Value.Contains("stone-b", StringComparison.Ordinal));
        Assert.True(unlocked.Healthy, string.Join("; ", unlocked.Items.Select(i => i.Value)));
    }

    [Fact]
    public async Task Compliance_RevokedMemberSeenAfterRevocation_RevokedButInUse()
    {
        await using var kit = await Enrollment.JoinKit.CreateAsync();
        await kit.JoinAsync("stone-b", kit.Code());
        await kit.Ca.RevokeAsync("stone-b", null, CancellationToken.None);
        kit.H.Time.Advance(TimeSpan.FromMinutes(3));
        var seen = kit.H.Time.GetUtcNow();
        kit.Ca.Roster.Update(r => r! with { Members = [.. r.Members.Select(m => m.Hostname == "stone-b" ? m with { LastSeen = seen } : m)] });

        var report = await kit.Ca.ComplianceAsync(CancellationToken.None);

        Assert.False(report.Healthy);
        Assert.Contains(report.Items, i => i.Value.Contains("stone-b is revoked but still in use", StringComparison.Ordinal));
    }

    /// <summary>The URL inside a CRL distribution point is an IA5String: readable as ASCII in the DER.</summary>
    private sealed record AsnText(X509Extension Extension)
    {
        public string Text => System.Text.Encoding.ASCII.GetString(Extension.RawData);
    }
}
