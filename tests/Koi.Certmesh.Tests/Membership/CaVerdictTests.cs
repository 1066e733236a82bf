using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Koi.Certmesh.Issuing;
using Koi.Certmesh.Membership;
using Microsoft.Extensions.Time.Testing;

namespace Koi.Certmesh.Tests.Membership;

/// <summary>A real CA and service certificate and a signed hello, judged by a member whose clock a test moves.</summary>
public sealed class CaVerdictTests
{
    private static readonly DateTimeOffset Issued = new(2026, 11, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Judge_GenuineHelloInTime_Verified()
    {
        var clock = new FakeTimeProvider(Issued + TimeSpan.FromDays(1));
        var (hello, nonce, pin) = Hello(serviceLifetime: TimeSpan.FromDays(30), caTime: clock.GetUtcNow());

        Assert.Equal(CaVerdictKind.Verified, CaVerdict.Judge(hello, nonce, pin, clock.GetUtcNow()).Kind);
    }

    [Fact]
    public void Judge_ServiceCertificateExpired_ExpiredNotMitm()
    {
        var clock = new FakeTimeProvider(Issued);
        var (hello, nonce, pin) = Hello(serviceLifetime: TimeSpan.FromDays(30), caTime: null);
        clock.Advance(TimeSpan.FromDays(31));

        var verdict = CaVerdict.Judge(hello, nonce, pin, clock.GetUtcNow());

        Assert.Equal(CaVerdictKind.Expired, verdict.Kind);
        Assert.Equal("expired", verdict.Name);
        Assert.Contains("service certificate expired", verdict.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Judge_ServiceCertificateNotYetValid_NotYetValid()
    {
        var clock = new FakeTimeProvider(Issued - TimeSpan.FromHours(2));
        var (hello, nonce, pin) = Hello(serviceLifetime: TimeSpan.FromDays(30), caTime: null);

        Assert.Equal(CaVerdictKind.NotYetValid, CaVerdict.Judge(hello, nonce, pin, clock.GetUtcNow()).Kind);
    }

    [Fact]
    public void Judge_ClocksSixMinutesApart_ClockSkewEvenThoughTheCertificateLooksExpired()
    {
        var member = new FakeTimeProvider(Issued + TimeSpan.FromDays(31));
        var (hello, nonce, pin) = Hello(serviceLifetime: TimeSpan.FromDays(30), caTime: member.GetUtcNow() - TimeSpan.FromMinutes(6));

        var verdict = CaVerdict.Judge(hello, nonce, pin, member.GetUtcNow());

        Assert.Equal(CaVerdictKind.ClockSkew, verdict.Kind);
        Assert.Contains("6 minutes", verdict.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Judge_ClocksFourMinutesApart_NotSkew()
    {
        var member = new FakeTimeProvider(Issued + TimeSpan.FromDays(1));
        var (hello, nonce, pin) = Hello(serviceLifetime: TimeSpan.FromDays(30), caTime: member.GetUtcNow() + TimeSpan.FromMinutes(4));

        Assert.Equal(CaVerdictKind.Verified, CaVerdict.Judge(hello, nonce, pin, member.GetUtcNow()).Kind);
    }

    [Fact]
    public void Judge_AnotherCaAnswers_FingerprintChanged()
    {
        var now = Issued + TimeSpan.FromDays(1);
        var (_, _, pin) = Hello(serviceLifetime: TimeSpan.FromDays(30), caTime: null);
        var (impostor, nonce, _) = Hello(serviceLifetime: TimeSpan.FromDays(30), caTime: null);

        var verdict = CaVerdict.Judge(impostor, nonce, pin, now);

        Assert.Equal(CaVerdictKind.FingerprintChanged, verdict.Kind);
        Assert.Equal("fingerprint_changed", verdict.Name);
    }

    [Fact]
    public void Judge_ExpiredAndForgedSignature_FingerprintChangedIdentityComesFirst()
    {
        var now = Issued + TimeSpan.FromDays(40);
        var (hello, nonce, pin) = Hello(serviceLifetime: TimeSpan.FromDays(30), caTime: null);
        var forged = hello with { Signature = Convert.ToBase64String(new byte[64]) };

        Assert.Equal(CaVerdictKind.FingerprintChanged, CaVerdict.Judge(forged, nonce, pin, now).Kind);
    }

    [Fact]
    public void Judge_ReplayedHelloForAnotherNonce_FingerprintChanged()
    {
        var now = Issued + TimeSpan.FromDays(1);
        var (hello, _, pin) = Hello(serviceLifetime: TimeSpan.FromDays(30), caTime: null);

        Assert.Equal(CaVerdictKind.FingerprintChanged, CaVerdict.Judge(hello, HelloVerifier.NewNonce(), pin, now).Kind);
    }

    [Fact]
    public void Judge_MemberOfTheSameCaAnswersAsItself_FingerprintChanged()
    {
        // stone-b holds a genuine certificate of the pinned CA and signs a genuine hello — but it is not the CA's host.
        var now = Issued + TimeSpan.FromDays(1);
        var (hello, nonce, pin) = Hello(serviceLifetime: TimeSpan.FromDays(30), caTime: null, hostname: "stone-b");

        Assert.Equal(CaVerdictKind.FingerprintChanged, CaVerdict.Judge(hello, nonce, pin, now, pinnedHostname: "stone-a").Kind);
        Assert.Equal(CaVerdictKind.Verified, CaVerdict.Judge(hello, nonce, pin, now, pinnedHostname: "stone-b").Kind);
    }

    /// <summary>A fresh CA, its service certificate issued at <see cref="Issued"/>, and a hello signed over a nonce.</summary>
    private static (HelloResponse Hello, string Nonce, string Pin) Hello(TimeSpan serviceLifetime, DateTimeOffset? caTime, string hostname = "stone-a")
    {
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var ca = CertificateAuthorityFactory.CreateCertificate(caKey, "stone-a koi certmesh CA", Issued - TimeSpan.FromDays(1));
        using var serviceKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={hostname}", serviceKey, HashAlgorithmName.SHA256);
        using var service = ServiceCertificateIssuer.Issue(ca, caKey, request.PublicKey, hostname, new SanSet([hostname], []), Issued, serviceLifetime);
        var pin = CertificateAuthorityFactory.Fingerprint(ca);
        var nonce = HelloVerifier.NewNonce();
        var signature = Convert.ToBase64String(serviceKey.SignData(Encoding.UTF8.GetBytes(HelloVerifier.SignedText(nonce, pin, hostname)), HashAlgorithmName.SHA256));
        var hello = new HelloResponse(hostname, pin, "just-me", "closed", null, false, ca.ExportCertificatePem(), service.ExportCertificatePem(), signature) { CaTime = caTime };
        return (hello, nonce, pin);
    }
}
