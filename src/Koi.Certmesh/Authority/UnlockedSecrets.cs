using System.Security.Cryptography;

namespace Koi.Certmesh.Authority;

/// <summary>
/// What exists only while the CA is unlocked: the CA key, the TOTP secret and the key that seals it (so rotation
/// needs no passphrase). Disposing wipes the byte arrays.
/// </summary>
internal sealed class UnlockedSecrets(ECDsa caKey, byte[] sealingKey, byte[] salt, byte[] totpSecret) : IDisposable
{
    public ECDsa CaKey { get; } = caKey;

    public byte[] SealingKey { get; } = sealingKey;

    public byte[] Salt { get; } = salt;

    public byte[] TotpSecret { get; private set; } = totpSecret;

    public void ReplaceTotp(byte[] secret)
    {
        CryptographicOperations.ZeroMemory(TotpSecret);
        TotpSecret = secret;
    }

    public void Dispose()
    {
        CaKey.Dispose();
        CryptographicOperations.ZeroMemory(SealingKey);
        CryptographicOperations.ZeroMemory(TotpSecret);
    }
}
