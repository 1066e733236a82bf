using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Koi.Certmesh.Backup;
using Koi.Certmesh.Issuing;
using Koi.Core.Errors;
using Koi.Core.Storage;

namespace Koi.Certmesh.Standby;

/// <summary>
/// The CA as a standby received it, opened and checked before anything is written: the fingerprint is the one this
/// machine pinned, the certificate has that fingerprint, and the key belongs to the certificate.
/// </summary>
internal sealed class CaHandover : IDisposable
{
    private ECDsa? _key;

    private CaHandover(BackupContents contents, ECDsa key, X509Certificate2 caCert, byte[] totpSecret)
    {
        Contents = contents;
        _key = key;
        CaCert = caCert;
        TotpSecret = totpSecret;
    }

    public BackupContents Contents { get; }

    public ECDsa CaKey => _key ?? throw new ObjectDisposedException(nameof(CaHandover));

    public X509Certificate2 CaCert { get; }

    public byte[] TotpSecret { get; }

    /// <summary>The key passes to its new owner; disposing the handover no longer touches it.</summary>
    public ECDsa TakeKey()
    {
        var key = CaKey;
        _key = null;
        return key;
    }

    /// <exception cref="KoiException">The contents are damaged or are not of the pinned CA; the caller changes nothing.</exception>
    public static CaHandover Open(ReadOnlySpan<byte> plain, string pinnedFingerprint)
    {
        ECDsa? key = null;
        X509Certificate2? cert = null;
        try
        {
            var contents = JsonSerializer.Deserialize(plain, CertmeshJsonContext.Default.BackupContents) ?? throw new JsonException("empty");
            cert = X509Certificate2.CreateFromPem(contents.CaCertPem);
            if (CertificateAuthorityFactory.Fingerprint(cert) != pinnedFingerprint || contents.CaFingerprint != pinnedFingerprint)
            {
                throw new KoiException(KoiErrorCode.Forbidden, "the primary handed over a CA that is not the one this machine pinned; nothing was changed");
            }

            key = ECDsa.Create();
            key.ImportPkcs8PrivateKey(Convert.FromBase64String(contents.CaKeyPkcs8), out _);
            if (!KeyMatches(cert, key))
            {
                throw new KoiException(KoiErrorCode.InvalidRequest, "the handed-over CA key does not belong to the CA certificate; nothing was changed");
            }

            return new CaHandover(contents, key, cert, Convert.FromBase64String(contents.TotpSecret));
        }
        catch (Exception ex) when (ex is CryptographicException or FormatException or JsonException or ArgumentException)
        {
            key?.Dispose();
            cert?.Dispose();
            throw new KoiException(KoiErrorCode.InvalidRequest, $"the handed-over CA is damaged ({ex.GetType().Name}); nothing was changed");
        }
        catch
        {
            key?.Dispose();
            cert?.Dispose();
            throw;
        }
    }

    /// <summary>The key's public half is the certificate's public key.</summary>
    public static bool KeyMatches(X509Certificate2 cert, ECDsa key)
    {
        using var certKey = cert.GetECDsaPublicKey();
        return certKey is not null && certKey.ExportSubjectPublicKeyInfo().AsSpan().SequenceEqual(key.ExportSubjectPublicKeyInfo());
    }

    public void Dispose()
    {
        _key?.Dispose();
        _key = null;
        CaCert.Dispose();
        CryptographicOperations.ZeroMemory(TotpSecret);
    }
}
