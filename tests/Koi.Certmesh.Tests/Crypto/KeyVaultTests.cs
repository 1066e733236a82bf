using System.Security.Cryptography;
using Koi.Certmesh.Crypto;
using Koi.Testing;

namespace Koi.Certmesh.Tests.Crypto;

public sealed class KeyVaultTests
{
    private const string Passphrase = "correct horse battery staple";

    [Fact]
    public void EncryptKey_OpensetlWithPassphrase_OpensSameKey()
    {
        using var temp = new TempDirectory();
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var file = temp.Combine("ca-key.enc");
        File.WriteAllText(file, KeyVault.EncryptKey(key, Passphrase));
        File.WriteAllText(temp.Combine("pass"), Passphrase);

        var (exit, stdout, stderr) = Tool.Run("openssl", "pkey", "-in", file, "-passin", $"file:{temp.Combine("pass")}", "-pubout");
        Assert.True(exit == 0, stderr);
        Assert.Equal(key.ExportSubjectPublicKeyInfoPem().Trim(), stdout.Trim());
    }

    [Fact]
    public void EncryptKey_WrongPassphrase_OpensslRefuses()
    {
        using var temp = new TempDirectory();
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var file = temp.Combine("ca-key.enc");
        File.WriteAllText(file, KeyVault.EncryptKey(key, Passphrase));

        var (exit, _, _) = Tool.Run("openssl", "pkey", "-in", file, "-passin", "pass:wrong passphrase", "-noout");
        Assert.NotEqual(0, exit);
        Assert.Throws<CryptographicException>(() => KeyVault.DecryptKey(File.ReadAllText(file), "wrong passphrase").Dispose());
    }

    [Fact]
    public void EncryptKey_Parameters_Pbes2Aes256Sha256With600kIterations()
    {
        using var temp = new TempDirectory();
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var file = temp.Combine("ca-key.enc");
        File.WriteAllText(file, KeyVault.EncryptKey(key, Passphrase));

        var (exit, stdout, stderr) = Tool.Run("openssl", "asn1parse", "-in", file);
        Assert.True(exit == 0, stderr);
        Assert.Contains("PBES2", stdout);
        Assert.Contains("PBKDF2", stdout);
        Assert.Contains("aes-256-cbc", stdout);
        Assert.Contains("hmacWithSHA256", stdout);
        Assert.Contains(":0927C0", stdout); // 600,000
    }

    [Fact]
    public void Seal_RoundTrip_ReturnsSecret()
    {
        var salt = KeyVault.NewSalt();
        var derived = KeyVault.DeriveSecretKey(Passphrase, salt, iterations: 1000);
        var secret = RandomNumberGenerator.GetBytes(20);
        var sealedSecret = KeyVault.Deserialize(KeyVault.Serialize(KeyVault.Seal(secret, derived, salt, 1000)));
        Assert.Equal(secret, KeyVault.Open(sealedSecret, derived));
    }

    [Fact]
    public void Open_WrongKeyOrTamperedCiphertext_Throws()
    {
        var salt = KeyVault.NewSalt();
        var derived = KeyVault.DeriveSecretKey(Passphrase, salt, iterations: 1000);
        var sealedSecret = KeyVault.Seal(new byte[20], derived, salt, 1000);
        var wrong = KeyVault.DeriveSecretKey("another passphrase", salt, iterations: 1000);
        Assert.ThrowsAny<CryptographicException>(() => KeyVault.Open(sealedSecret, wrong));

        var bytes = Convert.FromBase64String(sealedSecret.Ciphertext);
        bytes[0] ^= 1;
        Assert.ThrowsAny<CryptographicException>(() => KeyVault.Open(sealedSecret with { Ciphertext = Convert.ToBase64String(bytes) }, derived));
    }
}
