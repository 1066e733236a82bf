using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Koi.Certmesh.MeshPlane;
using Koi.Certmesh.Revocation;

namespace Koi.Certmesh.Tests.MeshPlane;

/// <summary>
/// A renewal whose answer is lost (the CA signed, the member never got it) leaves the member on its old certificate;
/// the old one is listed as superseded only once the member has shown it holds a newer one (docs/certmesh.md "Renewal").
/// </summary>
public sealed class LostRenewalTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Renew_AnswerLost_OldCertificateNotSupersededHoursLater_MemberRenewsWithIt()
    {
        await using var kit = await MeshKit.StartAsync();
        var held = kit.RosterEntry().CertSerial!;
        var lost = await SignButLoseTheAnswerAsync(kit);

        kit.Join.H.Time.Advance(TimeSpan.FromHours(3));
        await PublishIfDueAsync(kit);

        // The member still holds (and uses) the certificate the CA thinks it replaced: nobody may refuse it yet.
        Assert.False(kit.Join.Ca.Bundle!.Revokes(held));
        await kit.Renewal.RenewIfDueAsync(force: true, Ct);
        var current = kit.RosterEntry().CertSerial!;
        Assert.NotEqual(lost, current);
        using var files = kit.MemberCertificate();
        Assert.Equal(current, RevocationListSigner.SerialHex(files.SerialNumberBytes.Span));
    }

    [Fact]
    public async Task Heartbeat_WithTheNewCertificate_OlderOnesSupersededAfterTheGrace()
    {
        await using var kit = await MeshKit.StartAsync();
        var held = kit.RosterEntry().CertSerial!;
        var lost = await SignButLoseTheAnswerAsync(kit);
        kit.Join.H.Time.Advance(TimeSpan.FromHours(3));
        await kit.Renewal.RenewIfDueAsync(force: true, Ct);

        await kit.Mesh.HeartbeatAsync(kit.Membership.Current!, new HeartbeatRequest(null, null, null), Ct);
        Assert.NotNull(kit.RosterEntry().CertSeenAt);
        kit.Join.H.Time.Advance(TrustBundlePublisher.SupersededGrace - TimeSpan.FromMinutes(1));
        await PublishIfDueAsync(kit);
        Assert.False(kit.Join.Ca.Bundle!.Revokes(held));
        kit.Join.H.Time.Advance(TimeSpan.FromMinutes(2));
        await PublishIfDueAsync(kit);

        Assert.True(kit.Join.Ca.Bundle!.Revokes(held));
        Assert.True(kit.Join.Ca.Bundle!.Revokes(lost));
        Assert.False(kit.Join.Ca.Bundle!.Revokes(kit.RosterEntry().CertSerial!));
    }

    [Fact]
    public async Task Renew_WithASupersededCertificateAfterTheGrace_RefusedAtTheCa()
    {
        await using var kit = await MeshKit.StartAsync();
        using var old = kit.MemberCertificate();
        await kit.Renewal.RenewIfDueAsync(force: true, Ct);
        await kit.Mesh.HeartbeatAsync(kit.Membership.Current!, new HeartbeatRequest(null, null, null), Ct);
        kit.Join.H.Time.Advance(TrustBundlePublisher.SupersededGrace + TimeSpan.FromMinutes(1));

        // Someone who copied the old key before the renewal tries to renew with it.
        using var client = kit.PlaneClient(old);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var csr = new CertificateRequest("CN=stone-b", key, HashAlgorithmName.SHA256).CreateSigningRequestPem();
        var refused = await Assert.ThrowsAsync<HttpRequestException>(() =>
            client.PostAsJsonAsync("/v1/certmesh/mesh/renew", new RenewRequest(csr), CertmeshTestJson.Options, Ct));

        Assert.NotNull(refused);
        Assert.Contains(kit.Join.AuditLines(), l => l.Contains(" mesh_handshake_refused ", StringComparison.Ordinal) && l.Contains("superseded", StringComparison.Ordinal));
    }

    [Fact]
    public async Task RenewOwn_CaHostsCertificate_OldOneSupersededAfterTheGraceWithoutAHeartbeat()
    {
        await using var kit = await MeshKit.StartAsync();
        var primary = kit.Join.Roster.Members.Single(m => m.Role == Koi.Certmesh.Roster.MemberRole.Primary);

        await kit.Join.Ca.Renewals.RenewOwnAsync(null, Ct);
        kit.Join.H.Time.Advance(TrustBundlePublisher.SupersededGrace + TimeSpan.FromMinutes(1));
        await PublishIfDueAsync(kit);

        Assert.True(kit.Join.Ca.Bundle!.Revokes(primary.CertSerial!));
    }

    /// <summary>The CA signs a renewal for stone-b's current certificate; the answer never reaches stone-b's files.</summary>
    private static async Task<string> SignButLoseTheAnswerAsync(MeshKit kit)
    {
        using var current = kit.MemberCertificate();
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var csr = new CertificateRequest("CN=stone-b", key, HashAlgorithmName.SHA256).CreateSigningRequestPem();
        var peer = new MeshPeer("stone-b", Convert.ToHexStringLower(SHA256.HashData(current.RawData)), current.SerialNumber.ToLowerInvariant(), current.NotAfter);
        var answer = await kit.Join.Ca.Renewals.RenewAsync(peer, new RenewRequest(csr), null, Ct);
        return answer.Serial;
    }

    private static Task<bool> PublishIfDueAsync(MeshKit kit) => kit.Join.Ca.Context.Serialized(() =>
    {
        kit.Join.Ca.Bundles.PublishIfDue();
        return true;
    }, Ct);
}
