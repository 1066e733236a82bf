using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Koi.Certmesh.Membership;
using Koi.Certmesh.Roster;
using Koi.Core.Errors;

namespace Koi.Certmesh.Tests.MeshPlane;

/// <summary>
/// The join over TLS to the CA's mesh plane (docs/security.md "Enrollment"): the joiner checks the server's
/// certificate against the hello it verified before the code leaves the machine.
/// </summary>
public sealed class EnrollmentOverTlsTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Join_OverTheMeshPlaneWithoutClientCertificate_Issued()
    {
        await using var kit = await MeshKit.StartAsync();
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);

        var answer = await CaClient.JoinAsync(Identity(kit), Request(kit, key, kit.Join.NextCode()), kit.Join.H.Time.GetUtcNow(), Ct);

        using var issued = X509Certificate2.CreateFromPem(answer.ServiceCert!);
        Assert.Equal("stone-c", issued.GetNameInfo(X509NameType.SimpleName, false));
        Assert.Equal(key.ExportSubjectPublicKeyInfo(), issued.GetECDsaPublicKey()!.ExportSubjectPublicKeyInfo());
        Assert.Contains(kit.Join.Roster.Members, m => m.Hostname == "stone-c" && m.Status == MemberStatus.Active);
    }

    [Fact]
    public async Task Join_TlsServerNotTheHellosCertificate_RefusedBeforeTheCodeIsSent()
    {
        // Someone else's certificate under the same CA (here: the member stone-b's) is what an attacker on the path
        // who holds a member key would present; the joiner refuses the handshake, so the code never reaches it.
        await using var kit = await MeshKit.StartAsync();
        using var member = kit.MemberCertificate();
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var code = kit.Join.NextCode();
        var wrong = Identity(kit) with { ServiceCertFingerprint = HelloVerifier.Fingerprint(member) };

        // (What the TLS server presents here is the CA's own certificate, so the refusal is the kind a joiner answers
        // with one fresh hello — MemberJoiner, JoinAcrossOwnRenewalTests; CaClient itself never sends the code.)
        var refused = await Assert.ThrowsAnyAsync<KoiException>(() => CaClient.JoinAsync(wrong, Request(kit, key, code), kit.Join.H.Time.GetUtcNow(), Ct));

        Assert.Equal(KoiErrorCode.CaFingerprintMismatch, refused.Code);
        Assert.Contains("not the machine that answered the hello", refused.Message, StringComparison.Ordinal);

        // The same code still works: the CA never saw it (a code that crossed would now be "already used").
        var answer = await CaClient.JoinAsync(Identity(kit), Request(kit, key, code), kit.Join.H.Time.GetUtcNow(), Ct);
        Assert.NotNull(answer.ServiceCert);
    }

    [Fact]
    public async Task Join_CaCertificateNotTheTrustedFingerprint_Refused()
    {
        await using var kit = await MeshKit.StartAsync();
        await using var rogue = await MeshKit.StartAsync();
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);

        // The joiner trusts the rogue mesh's CA but the TLS server is the real CA's plane.
        var identity = Identity(kit) with { CaCert = rogue.Join.Ca.CaPem(), CaFingerprint = rogue.Join.Roster.Metadata.CaFingerprint };
        var refused = await Assert.ThrowsAsync<KoiException>(() => CaClient.JoinAsync(identity, Request(kit, key, kit.Join.NextCode()), kit.Join.H.Time.GetUtcNow(), Ct));

        Assert.Equal(KoiErrorCode.CaFingerprintMismatch, refused.Code);
        Assert.DoesNotContain(kit.Join.Roster.Members, m => m.Hostname == "stone-c");
    }

    [Fact]
    public void TlsBase_MeshPlaneOff_RefusesRatherThanFallingBackToClear()
    {
        var identity = new CaIdentity("http://10.0.0.5:5641", "stone-a", new string('a', 64), "just-me", "open", null, false);

        var refused = Assert.Throws<KoiException>(() => CaClient.TlsBase(identity));

        Assert.Contains("not sent in clear", refused.Message, StringComparison.Ordinal);
    }

    private static CaIdentity Identity(MeshKit kit)
    {
        var primary = kit.Join.Roster.Members.Single(m => m.Role == MemberRole.Primary);
        using var service = X509Certificate2.CreateFromPem(File.ReadAllText(Path.Combine(primary.CertPath, "cert.pem")));
        return new CaIdentity("http://127.0.0.1:1", primary.Hostname, kit.Join.Roster.Metadata.CaFingerprint, "just-me", "open", null, false)
        {
            MeshPort = kit.Plane.Port,
            CaCert = kit.Join.Ca.CaPem(),
            ServiceCertFingerprint = HelloVerifier.Fingerprint(service),
        };
    }

    private static CaJoinRequest Request(MeshKit kit, ECDsa key, string code) =>
        new("stone-c", Enrollment.JoinKit.Csr(key, "stone-c"), code, []);
}
