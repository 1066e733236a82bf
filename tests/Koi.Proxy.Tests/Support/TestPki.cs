using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Koi.Proxy.Tests.Support;

/// <summary>
/// A throwaway CA that issues service certificates for localhost/127.0.0.1 and writes them as certmesh does: a
/// staged sibling directory swapped in by renames (<c>certs/&lt;host&gt;/</c> with fullchain.pem and key.pem).
/// </summary>
internal sealed class TestPki : IDisposable
{
    private readonly ECDsa _caKey;

    public TestPki(string caName = "koi proxy test CA")
    {
        _caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var now = DateTimeOffset.UtcNow;
        var request = new CertificateRequest($"CN={caName}", _caKey, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        Ca = request.CreateSelfSigned(now.AddDays(-1), now.AddYears(1));
    }

    public X509Certificate2 Ca { get; }

    public string CaPem => Ca.ExportCertificatePem() + "\n";

    /// <summary>Issues a certificate with this serial (hex) and returns its PEM and its key's PEM.</summary>
    public (string CertPem, string KeyPem) Issue(string serialHex, params string[] dnsNames) => Issue(serialHex, clientAuth: false, dnsNames);

    /// <summary>A certificate usable as a TLS client certificate too, as certmesh issues them to members.</summary>
    public (string CertPem, string KeyPem) IssueMember(string serialHex) => Issue(serialHex, clientAuth: true, []);

    private (string CertPem, string KeyPem) Issue(string serialHex, bool clientAuth, string[] dnsNames)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var now = DateTimeOffset.UtcNow;
        var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(IPAddress.Loopback);
        foreach (var name in dnsNames.Length == 0 ? ["localhost"] : dnsNames)
        {
            san.AddDnsName(name);
        }

        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            clientAuth ? [new Oid("1.3.6.1.5.5.7.3.1"), new Oid("1.3.6.1.5.5.7.3.2")] : [new Oid("1.3.6.1.5.5.7.3.1")], false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(Ca, true, false));
        using var leaf = request.Create(Ca, now.AddDays(-1), now.AddDays(30), Convert.FromHexString(serialHex));
        return (leaf.ExportCertificatePem() + "\n", key.ExportPkcs8PrivateKeyPem() + "\n");
    }

    /// <summary>Writes a fresh certificate into <paramref name="directory"/> the way certmesh's CertFileSet does.</summary>
    public void WriteSet(string directory, string serialHex)
    {
        var (cert, key) = Issue(serialHex);
        WriteSet(directory, cert, key);
    }

    public void WriteSet(string directory, string certPem, string keyPem)
    {
        var parent = Path.GetDirectoryName(directory)!;
        Directory.CreateDirectory(parent);
        var name = Path.GetFileName(directory);
        var staging = Path.Combine(parent, $".{name}.{Guid.NewGuid():N}.new");
        var retired = Path.Combine(parent, $".{name}.{Guid.NewGuid():N}.old");
        Directory.CreateDirectory(staging);
        File.WriteAllText(Path.Combine(staging, "cert.pem"), certPem);
        File.WriteAllText(Path.Combine(staging, "key.pem"), keyPem);
        File.WriteAllText(Path.Combine(staging, "ca.pem"), CaPem);
        File.WriteAllText(Path.Combine(staging, "fullchain.pem"), certPem + CaPem);
        if (Directory.Exists(directory))
        {
            Directory.Move(directory, retired);
        }

        Directory.Move(staging, directory);
        if (Directory.Exists(retired))
        {
            Directory.Delete(retired, recursive: true);
        }
    }

    public void Dispose()
    {
        Ca.Dispose();
        _caKey.Dispose();
    }
}
