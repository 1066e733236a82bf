using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Koi.Certmesh.Membership;

namespace Koi.Certmesh.Tests.Membership;

public sealed class HelloVerifierTests
{
    private static readonly DateTimeOffset Now = DateTimeOffset.UtcNow;

    [Fact]
    public void Problem_GenuineHello_None()
    {
        var mesh = Mesh.Create("stone-01");
        Assert.Null(HelloVerifier.Problem(mesh.Hello("nonce-1"), "nonce-1", Now));
    }

    [Fact]
    public void Problem_SignatureOverAnotherNonce_Rejected()
    {
        var mesh = Mesh.Create("stone-01");
        var replayed = mesh.Hello("old-nonce");
        Assert.Contains("signature does not verify", HelloVerifier.Problem(replayed, "fresh-nonce", Now), StringComparison.Ordinal);
    }

    [Fact]
    public void Problem_CopiedCaPemWithOwnServiceCert_Rejected()
    {
        // An impersonator serves the real CA's public certificate but can only present a service cert of its own CA.
        var real = Mesh.Create("stone-01");
        var rogue = Mesh.Create("stone-01");
        var hello = rogue.Hello("n") with { CaCert = real.CaPem, CaFingerprint = real.Fingerprint };
        Assert.Contains("does not chain", HelloVerifier.Problem(hello, "n", Now), StringComparison.Ordinal);
    }

    [Fact]
    public void Problem_FingerprintNotOfTheCaCert_Rejected()
    {
        var mesh = Mesh.Create("stone-01");
        var hello = mesh.Hello("n") with { CaFingerprint = new string('a', 64) };
        Assert.Contains("does not match the fingerprint", HelloVerifier.Problem(hello, "n", Now), StringComparison.Ordinal);
    }

    [Fact]
    public void Problem_HostnameSwappedAfterSigning_Rejected()
    {
        var mesh = Mesh.Create("stone-01");
        var hello = mesh.Hello("n") with { Hostname = "stone-99" };
        Assert.NotNull(HelloVerifier.Problem(hello, "n", Now));
    }

    [Fact]
    public void Problem_MemberKeySignsAsTheCaHost_Rejected()
    {
        // A member's certificate chains to the same CA; it must not pass for the CA's host by signing a hello naming it.
        var (ca, member) = Mesh.CreatePair("stone-01", "stone-07");
        var hello = member.Hello("n") with { Hostname = ca.Hostname };
        var signature = member.ServiceKey.SignData(Encoding.UTF8.GetBytes(HelloVerifier.SignedText("n", hello.CaFingerprint, ca.Hostname)), HashAlgorithmName.SHA256);
        hello = hello with { Signature = Convert.ToBase64String(signature) };

        Assert.Contains("signed with the certificate of 'stone-07'", HelloVerifier.Problem(hello, "n", Now), StringComparison.Ordinal);
    }

    [Fact]
    public void Problem_GarbageCertificates_RejectedNotThrown()
    {
        var hello = Mesh.Create("stone-01").Hello("n") with { ServiceCert = "not a pem" };
        Assert.Contains("do not parse", HelloVerifier.Problem(hello, "n", Now), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("hostname")]
    [InlineData("ca_fingerprint")]
    [InlineData("ca_cert")]
    [InlineData("service_cert")]
    [InlineData("signature")]
    public void Problem_FieldLeftOut_RejectedNotThrown(string field)
    {
        // What System.Text.Json makes of a hello without that field: null, whatever the record's types say.
        var genuine = Mesh.Create("stone-01").Hello("n");
        var hello = field switch
        {
            "hostname" => genuine with { Hostname = null! },
            "ca_fingerprint" => genuine with { CaFingerprint = null! },
            "ca_cert" => genuine with { CaCert = null! },
            "service_cert" => genuine with { ServiceCert = null! },
            _ => genuine with { Signature = null! },
        };

        Assert.Equal($"the hello has no {field}", HelloVerifier.Problem(hello, "n", Now));
    }

    private sealed record Mesh(string Hostname, string CaPem, string Fingerprint, string ServicePem, ECDsa ServiceKey)
    {
        public static Mesh Create(string hostname) => CreatePair(hostname, null).Ca;

        /// <summary>The CA host's mesh and, when <paramref name="member"/> is named, a member's under the same CA.</summary>
        public static (Mesh Ca, Mesh Member) CreatePair(string hostname, string? member)
        {
            using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var caRequest = new CertificateRequest("CN=test mesh CA", caKey, HashAlgorithmName.SHA256);
            caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
            caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
            caRequest.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(caRequest.PublicKey, false));
            using var ca = caRequest.CreateSelfSigned(Now.AddDays(-1), Now.AddYears(1));
            return (Issue(ca, hostname), Issue(ca, member ?? hostname));
        }

        private static Mesh Issue(X509Certificate2 ca, string hostname)
        {
            var serviceKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var serviceRequest = new CertificateRequest($"CN={hostname}", serviceKey, HashAlgorithmName.SHA256);
            serviceRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
            serviceRequest.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(ca, true, false));
            using var service = serviceRequest.Create(ca, Now.AddDays(-1), Now.AddDays(30), RandomNumberGenerator.GetBytes(16));
            return new Mesh(hostname, ca.ExportCertificatePem(), HelloVerifier.Fingerprint(ca), service.ExportCertificatePem(), serviceKey);
        }

        public HelloResponse Hello(string nonce)
        {
            var signature = ServiceKey.SignData(Encoding.UTF8.GetBytes(HelloVerifier.SignedText(nonce, Fingerprint, Hostname)), HashAlgorithmName.SHA256);
            return new HelloResponse(Hostname, Fingerprint, "just-me", "open", null, false, CaPem, ServicePem, Convert.ToBase64String(signature));
        }
    }
}
