using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Koi.Health.Tests.Support;

/// <summary>A throwaway CA and a server certificate for 127.0.0.1 it signed, as PEM files for openssl s_server.</summary>
internal sealed class TestCertificates : IDisposable
{
    private TestCertificates(X509Certificate2 ca, string certPath, string keyPath)
    {
        Ca = ca;
        CertPath = certPath;
        KeyPath = keyPath;
    }

    public X509Certificate2 Ca { get; }

    public string CertPath { get; }

    public string KeyPath { get; }

    public static TestCertificates Create(string directory, string caName = "koi test mesh CA")
    {
        var now = DateTimeOffset.UtcNow;
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest($"CN={caName}", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        caRequest.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(caRequest.PublicKey, false));
        var ca = caRequest.CreateSelfSigned(now.AddDays(-1), now.AddDays(30));

        using var leafKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var leafRequest = new CertificateRequest("CN=127.0.0.1", leafKey, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(IPAddress.Loopback);
        san.AddDnsName("localhost");
        leafRequest.CertificateExtensions.Add(san.Build());
        leafRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        leafRequest.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        leafRequest.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(ca, true, false));
        using var leaf = leafRequest.Create(ca, now.AddDays(-1), now.AddDays(20), [1, 2, 3, 4]);

        var certPath = Path.Combine(directory, "server.pem");
        var keyPath = Path.Combine(directory, "server.key");
        File.WriteAllText(certPath, leaf.ExportCertificatePem());
        File.WriteAllText(keyPath, leafKey.ExportPkcs8PrivateKeyPem());
        return new TestCertificates(X509CertificateLoader.LoadCertificate(ca.RawData), certPath, keyPath);
    }

    public void Dispose() => Ca.Dispose();
}
