using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Koi.Certmesh.Enrollment;

/// <summary>
/// The joiner's certificate signing request: PEM, self-signature valid (the joiner holds the key), key ECDSA P-256
/// like every key in the mesh. Only the public key is used; the CSR's subject and SANs are ignored, because the CA
/// decides the names (see <see cref="JoinAddresses"/> and <c>SanPolicy</c>).
/// </summary>
internal static class JoinCsr
{
    private const string EcPublicKeyOid = "1.2.840.10045.2.1";
    private const string P256Oid = "1.2.840.10045.3.1.7";

    /// <summary>The CSR's public key when it passes; otherwise null and why.</summary>
    public static PublicKey? Check(string? pem, int maxChars, out string? problem)
    {
        problem = null;
        if (string.IsNullOrWhiteSpace(pem))
        {
            problem = "missing required field: csr";
            return null;
        }

        if (pem.Length > maxChars)
        {
            problem = $"csr is longer than {maxChars} characters";
            return null;
        }

        CertificateRequest request;
        try
        {
            // Default load options verify the self-signature.
            request = CertificateRequest.LoadSigningRequestPem(pem, HashAlgorithmName.SHA256, CertificateRequestLoadOptions.Default);
        }
        catch (Exception ex) when (ex is CryptographicException or ArgumentException or FormatException)
        {
            problem = "csr is not a PEM certificate request with a valid self-signature";
            return null;
        }

        var key = request.PublicKey;
        if (key.Oid.Value != EcPublicKeyOid)
        {
            problem = $"csr key must be ECDSA P-256 (got {key.Oid.FriendlyName ?? key.Oid.Value})";
            return null;
        }

        string? curve;
        try
        {
            using var ec = key.GetECDsaPublicKey();
            curve = ec?.ExportParameters(false).Curve.Oid.Value;
        }
        catch (CryptographicException)
        {
            curve = null;
        }

        if (curve != P256Oid)
        {
            problem = "csr key must be ECDSA P-256 (got another curve)";
            return null;
        }

        return key;
    }
}
