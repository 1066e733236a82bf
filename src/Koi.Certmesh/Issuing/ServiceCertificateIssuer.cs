using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Koi.Certmesh.Issuing;

/// <summary>
/// Signs service certificates. The SANs are the authorized ones passed in; a CSR's own SANs are never copied.
/// </summary>
internal static class ServiceCertificateIssuer
{
    public static X509Certificate2 Issue(
        X509Certificate2 caCertificate,
        ECDsa caKey,
        PublicKey subjectKey,
        string hostname,
        SanSet sans,
        DateTimeOffset now,
        TimeSpan lifetime,
        string? crlUrl = null)
    {
        var request = new CertificateRequest(new X500DistinguishedName($"CN={hostname}"), subjectKey, HashAlgorithmName.SHA256);
        var builder = new SubjectAlternativeNameBuilder();
        foreach (var name in sans.DnsNames)
        {
            builder.AddDnsName(name);
        }

        foreach (var address in sans.Addresses)
        {
            builder.AddIpAddress(address);
        }

        request.CertificateExtensions.Add(builder.Build(critical: false));
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            [new Oid("1.3.6.1.5.5.7.3.1"), new Oid("1.3.6.1.5.5.7.3.2")], false));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(caCertificate, true, false));
        if (crlUrl is not null)
        {
            // RFC 5280 §4.2.1.13: where relying parties that fetch CRLs find this CA's (docs/certmesh.md, "Revocation").
            request.CertificateExtensions.Add(CertificateRevocationListBuilder.BuildCrlDistributionPointExtension([crlUrl]));
        }

        var notAfter = now + lifetime;
        if (notAfter > caCertificate.NotAfter)
        {
            notAfter = caCertificate.NotAfter;
        }

        var signer = X509SignatureGenerator.CreateForECDsa(caKey);
        return request.Create(caCertificate.SubjectName, signer, now.AddMinutes(-5), notAfter, SerialNumber());
    }

    /// <summary>A random positive serial of 128 bits (RFC 5280 wants ≥ 64 bits of randomness, first bit clear).</summary>
    internal static byte[] SerialNumber()
    {
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7f;
        serial[0] |= 0x01;
        return serial;
    }
}

/// <summary>The names and addresses a certificate may carry.</summary>
internal sealed record SanSet(IReadOnlyList<string> DnsNames, IReadOnlyList<IPAddress> Addresses)
{
    public IReadOnlyList<string> AsStrings()
    {
        var list = new List<string>(DnsNames);
        foreach (var address in Addresses)
        {
            list.Add(address.ToString());
        }

        return list;
    }
}
