using System.Security.Cryptography;
using System.Text;

namespace Koi.Certmesh.Standby;

/// <summary>
/// The CA key's envelope from the primary to a new standby (docs/security.md, "Standby key transfer"): both daemons
/// make an ephemeral ECDH P-256 key for this one transfer, HKDF-SHA256 turns the shared secret into an AES-256-GCM
/// key, and the envelope is bound to the CA and the standby it is meant for. The mTLS channel around it is a second
/// layer: someone who records the traffic and later learns a TLS key still cannot open the envelope, because both
/// ECDH keys lived only in memory. No I/O.
/// </summary>
internal static class KeyTransfer
{
    private const int KeyBytes = 32;
    private const int NonceBytes = 12;
    private const int TagBytes = 16;
    private const string P256Oid = "1.2.840.10045.3.1.7";

    /// <summary>Prefixed to the HKDF info so this key can never be one derived for anything else.</summary>
    private static readonly byte[] Label = Encoding.ASCII.GetBytes("koi-certmesh-standby-transfer-v1\n");

    public static ECDiffieHellman NewEphemeral() => ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);

    public static string PublicKey(ECDiffieHellman key) => Convert.ToBase64String(key.ExportSubjectPublicKeyInfo());

    /// <summary>Null when <paramref name="publicKey"/> is a P-256 public key (SPKI, base64); otherwise why not.</summary>
    public static string? PublicKeyProblem(string? publicKey)
    {
        if (publicKey is not { Length: > 0 and <= 1024 })
        {
            return "transfer_key is missing or too long";
        }

        try
        {
            ImportPeer(publicKey).Dispose();
            return null;
        }
        catch (CryptographicException ex)
        {
            return $"transfer_key is not a P-256 public key: {ex.Message}";
        }
    }

    /// <summary>Seals <paramref name="plain"/> for the holder of <paramref name="peerPublicKey"/>, with a fresh key of our own.</summary>
    /// <exception cref="CryptographicException">The peer's key is not a P-256 public key.</exception>
    public static SealedTransfer Seal(ReadOnlySpan<byte> plain, string peerPublicKey, TransferBinding binding)
    {
        using var own = NewEphemeral();
        var ownPublic = PublicKey(own);
        var key = Derive(own, peerPublicKey, standbyPublic: peerPublicKey, primaryPublic: ownPublic, binding);
        try
        {
            var nonce = RandomNumberGenerator.GetBytes(NonceBytes);
            var cipher = new byte[plain.Length];
            var tag = new byte[TagBytes];
            using var aes = new AesGcm(key, TagBytes);
            aes.Encrypt(nonce, plain, cipher, tag, binding.Bytes());
            return new SealedTransfer(ownPublic, Convert.ToBase64String(nonce), Convert.ToBase64String(cipher), Convert.ToBase64String(tag));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }
    }

    /// <summary>Opens an envelope sealed for <paramref name="own"/>; the caller zeroes the result.</summary>
    /// <exception cref="CryptographicException">Not sealed for this key and binding, or changed on the way.</exception>
    public static byte[] Open(SealedTransfer sealedTransfer, ECDiffieHellman own, TransferBinding binding)
    {
        var key = Derive(own, sealedTransfer.PrimaryKey, standbyPublic: PublicKey(own), primaryPublic: sealedTransfer.PrimaryKey, binding);
        try
        {
            var nonce = Decode(sealedTransfer.Nonce);
            var tag = Decode(sealedTransfer.Tag);
            if (nonce.Length != NonceBytes || tag.Length != TagBytes)
            {
                throw new CryptographicException("the transfer envelope's nonce or tag has the wrong size");
            }

            var cipher = Decode(sealedTransfer.Ciphertext);
            var plain = new byte[cipher.Length];
            using var aes = new AesGcm(key, TagBytes);
            aes.Decrypt(nonce, cipher, tag, plain, binding.Bytes());
            return plain;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }
    }

    /// <summary>
    /// HKDF over the raw ECDH secret; the salt is both public keys (standby's first), so a key substituted on the way
    /// yields a different AES key, and the info names the CA and the standby.
    /// </summary>
    private static byte[] Derive(ECDiffieHellman own, string peerPublicKey, string standbyPublic, string primaryPublic, TransferBinding binding)
    {
        using var peer = ImportPeer(peerPublicKey);
        var shared = own.DeriveRawSecretAgreement(peer.PublicKey);
        try
        {
            var salt = SHA256.HashData(Encoding.ASCII.GetBytes(standbyPublic + "\n" + primaryPublic));
            return HKDF.DeriveKey(HashAlgorithmName.SHA256, shared, KeyBytes, salt, [.. Label, .. binding.Bytes()]);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(shared);
        }
    }

    private static ECDiffieHellman ImportPeer(string publicKey)
    {
        var peer = ECDiffieHellman.Create();
        try
        {
            peer.ImportSubjectPublicKeyInfo(Decode(publicKey), out _);
            if (peer.ExportParameters(false).Curve.Oid.Value != P256Oid)
            {
                throw new CryptographicException("the transfer key is not on P-256");
            }

            return peer;
        }
        catch
        {
            peer.Dispose();
            throw;
        }
    }

    private static byte[] Decode(string text)
    {
        try
        {
            return Convert.FromBase64String(text);
        }
        catch (FormatException ex)
        {
            throw new CryptographicException("the transfer envelope is not base64", ex);
        }
    }
}

/// <summary>What an envelope is for: this CA (by fingerprint), this standby (by host name).</summary>
internal sealed record TransferBinding(string CaFingerprint, string StandbyHostname)
{
    public byte[] Bytes() => Encoding.UTF8.GetBytes($"ca={CaFingerprint}\nstandby={StandbyHostname.ToLowerInvariant()}\n");
}

/// <summary>The envelope on the wire: the primary's ephemeral public key (SPKI, base64), and AES-GCM's nonce, ciphertext and tag.</summary>
internal sealed record SealedTransfer(string PrimaryKey, string Nonce, string Ciphertext, string Tag);
