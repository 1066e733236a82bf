using System.Numerics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Koi.Certmesh.Revocation;

/// <summary>
/// The X.509 CRL (RFC 5280 §5) of the mesh: every revoked serial, signed by the CA key, numbered with the trust
/// bundle's sequence so the two always describe the same revocations.
/// </summary>
internal static class RevocationListSigner
{
    public const string PemLabel = "X509 CRL";

    /// <returns>The CRL, DER.</returns>
    public static byte[] Build(
        X509Certificate2 caCertificate,
        ECDsa caKey,
        IEnumerable<RevokedCertificate> revoked,
        long number,
        DateTimeOffset thisUpdate,
        DateTimeOffset nextUpdate)
    {
        var builder = new CertificateRevocationListBuilder();
        foreach (var entry in revoked)
        {
            var reason = entry.Reason == RevokedCertificate.SupersededReason ? X509RevocationReason.Superseded : X509RevocationReason.CessationOfOperation;
            builder.AddEntry(Convert.FromHexString(entry.Serial), entry.RevokedAt, reason);
        }

        return builder.Build(
            caCertificate.SubjectName,
            X509SignatureGenerator.CreateForECDsa(caKey),
            new BigInteger(number),
            nextUpdate,
            HashAlgorithmName.SHA256,
            X509AuthorityKeyIdentifierExtension.CreateFromCertificate(caCertificate, includeKeyIdentifier: true, includeIssuerAndSerial: false),
            thisUpdate);
    }

    public static string ToPem(byte[] der) => new string(PemEncoding.Write(PemLabel, der)) + "\n";

    /// <summary>The DER inside a CRL PEM; throws <see cref="FormatException"/> when there is none.</summary>
    public static byte[] FromPem(string pem)
    {
        if (!PemEncoding.TryFind(pem, out var fields) || !pem.AsSpan()[fields.Label].SequenceEqual(PemLabel))
        {
            throw new FormatException("no X509 CRL in the PEM text");
        }

        return Convert.FromBase64String(pem[fields.Base64Data]);
    }

    /// <summary>Lowercase hex of a serial as certificates carry it, without a leading zero byte.</summary>
    public static string SerialHex(ReadOnlySpan<byte> serial)
    {
        while (serial.Length > 1 && serial[0] == 0)
        {
            serial = serial[1..];
        }

        return Convert.ToHexStringLower(serial);
    }
}
