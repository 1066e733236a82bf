using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Koi.Core.Storage;

namespace Koi.Certmesh.Crypto;

/// <summary>
/// Encryption of the CA's secrets at rest. The CA key is standard encrypted PKCS#8 (PBES2: PBKDF2-HMAC-SHA256,
/// AES-256-CBC) so <c>openssl pkey -passin</c> opens it; the TOTP secret is AES-256-GCM under a key derived from the
/// same passphrase with its own salt.
/// </summary>
internal static class KeyVault
{
    public const int Iterations = 600_000;

    private const int SaltBytes = 16;
    private const int NonceBytes = 12;
    private const int TagBytes = 16;

    public static readonly PbeParameters KeyEncryption = new(PbeEncryptionAlgorithm.Aes256Cbc, HashAlgorithmName.SHA256, Iterations);

    public static string EncryptKey(ECDsa key, string passphrase) =>
        key.ExportEncryptedPkcs8PrivateKeyPem(passphrase.AsSpan(), KeyEncryption);

    /// <summary>Throws <see cref="CryptographicException"/> for a wrong passphrase or a damaged file.</summary>
    public static ECDsa DecryptKey(string pem, string passphrase)
    {
        var key = ECDsa.Create();
        try
        {
            key.ImportFromEncryptedPem(pem.AsSpan(), passphrase.AsSpan());
            return key;
        }
        catch
        {
            key.Dispose();
            throw;
        }
    }

    /// <summary>Derives the TOTP file key; kept in memory while unlocked so rotation needs no passphrase.</summary>
    public static byte[] DeriveSecretKey(string passphrase, ReadOnlySpan<byte> salt, int iterations = Iterations) =>
        Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(passphrase), salt, iterations, HashAlgorithmName.SHA256, 32);

    public static SealedSecret Seal(ReadOnlySpan<byte> secret, ReadOnlySpan<byte> key, byte[] salt, int iterations = Iterations)
    {
        var nonce = RandomNumberGenerator.GetBytes(NonceBytes);
        var ciphertext = new byte[secret.Length];
        var tag = new byte[TagBytes];
        using (var aes = new AesGcm(key, TagBytes))
        {
            aes.Encrypt(nonce, secret, ciphertext, tag);
        }

        return new SealedSecret(1, "pbkdf2-sha256", iterations, Convert.ToBase64String(salt), Convert.ToBase64String(nonce),
            Convert.ToBase64String(tag), Convert.ToBase64String(ciphertext));
    }

    /// <summary>Throws <see cref="CryptographicException"/> when the key is wrong or the file was changed.</summary>
    public static byte[] Open(SealedSecret sealedSecret, ReadOnlySpan<byte> key)
    {
        var ciphertext = Convert.FromBase64String(sealedSecret.Ciphertext);
        var plain = new byte[ciphertext.Length];
        using var aes = new AesGcm(key, TagBytes);
        aes.Decrypt(Convert.FromBase64String(sealedSecret.Nonce), ciphertext, Convert.FromBase64String(sealedSecret.Tag), plain);
        return plain;
    }

    public static byte[] NewSalt() => RandomNumberGenerator.GetBytes(SaltBytes);

    public static string Serialize(SealedSecret value) => KoiJson.ToIndentedString(value, CertmeshJsonContext.Default.SealedSecret);

    public static SealedSecret Deserialize(string json) =>
        JsonSerializer.Deserialize(json, CertmeshJsonContext.Default.SealedSecret) ?? throw new CryptographicException("empty sealed secret");
}

/// <summary>The on-disk form of <c>totp-secret.enc</c>.</summary>
internal sealed record SealedSecret(int Version, string Kdf, int Iterations, string Salt, string Nonce, string Tag, string Ciphertext);
