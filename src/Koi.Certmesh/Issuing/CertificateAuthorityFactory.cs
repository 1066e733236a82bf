using System.Numerics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Koi.Certmesh.Crypto;

namespace Koi.Certmesh.Issuing;

/// <summary>
/// Creates the mesh's root: an ECDSA P-256 key and a 10-year self-signed CA certificate, limited by a
/// <see cref="NameScope"/> to the names and addresses of the LAN.
/// </summary>
internal static class CertificateAuthorityFactory
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromDays(3652);

    // Order of the P-256 group; a private scalar must lie in [1, n-1].
    private static readonly BigInteger P256Order = BigInteger.Parse(
        "0FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551", System.Globalization.NumberStyles.HexNumber);

    /// <summary>
    /// The CA key from mixed randomness (CSPRNG keyed, operator entropy added). 48 bytes reduced mod n-1 keep the
    /// modulo bias below 2^-128.
    /// </summary>
    public static ECDsa CreateKey(EntropyMixer mixer)
    {
        var seed = mixer.Next(48, "ca-key");
        var scalar = (new BigInteger(seed, isUnsigned: true, isBigEndian: true) % (P256Order - 1)) + 1;
        CryptographicOperations.ZeroMemory(seed);
        var d = scalar.ToByteArray(isUnsigned: true, isBigEndian: true);
        var padded = new byte[32];
        d.CopyTo(padded.AsSpan(32 - d.Length));
        var key = ECDsa.Create(new ECParameters { Curve = ECCurve.NamedCurves.nistP256, D = padded });
        CryptographicOperations.ZeroMemory(padded);
        CryptographicOperations.ZeroMemory(d);
        return key;
    }

    public static X509Certificate2 CreateCertificate(ECDsa key, string commonName, DateTimeOffset now, NameScope? scope = null)
    {
        var request = new CertificateRequest(new X500DistinguishedName($"CN={Escape(commonName)}, O=koi certmesh"), key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        if (scope is not null)
        {
            request.CertificateExtensions.Add(scope.Extension());
        }
        return request.CreateSelfSigned(now.AddMinutes(-5), now + Lifetime);
    }

    /// <summary>Lowercase hex SHA-256 of the DER: the one fingerprint koi shows everywhere.</summary>
    public static string Fingerprint(X509Certificate2 certificate) =>
        Convert.ToHexStringLower(SHA256.HashData(certificate.RawData));

    private static string Escape(string value) => value.Replace(",", " ", StringComparison.Ordinal).Replace("=", " ", StringComparison.Ordinal);
}
