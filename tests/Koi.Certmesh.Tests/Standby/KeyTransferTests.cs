using System.Security.Cryptography;
using Koi.Certmesh.Standby;

namespace Koi.Certmesh.Tests.Standby;

public sealed class KeyTransferTests
{
    private static readonly TransferBinding Binding = new("ab12", "stone-b");

    [Fact]
    public void Open_SealedForThisKey_ReturnsThePlaintext()
    {
        using var standby = KeyTransfer.NewEphemeral();
        var plain = RandomNumberGenerator.GetBytes(300);

        var sealedTransfer = KeyTransfer.Seal(plain, KeyTransfer.PublicKey(standby), Binding);

        Assert.Equal(plain, KeyTransfer.Open(sealedTransfer, standby, Binding));
        Assert.DoesNotContain(Convert.ToBase64String(plain[..30]), sealedTransfer.Ciphertext, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_AnotherMachinesKey_Throws()
    {
        using var standby = KeyTransfer.NewEphemeral();
        using var observer = KeyTransfer.NewEphemeral();
        var sealedTransfer = KeyTransfer.Seal([1, 2, 3], KeyTransfer.PublicKey(standby), Binding);

        Assert.ThrowsAny<CryptographicException>(() => KeyTransfer.Open(sealedTransfer, observer, Binding));
    }

    [Fact]
    public void Open_BoundToAnotherStandbyOrCa_Throws()
    {
        using var standby = KeyTransfer.NewEphemeral();
        var sealedTransfer = KeyTransfer.Seal([1, 2, 3], KeyTransfer.PublicKey(standby), Binding);

        Assert.ThrowsAny<CryptographicException>(() => KeyTransfer.Open(sealedTransfer, standby, Binding with { StandbyHostname = "stone-c" }));
        Assert.ThrowsAny<CryptographicException>(() => KeyTransfer.Open(sealedTransfer, standby, Binding with { CaFingerprint = "cd34" }));
    }

    [Fact]
    public void Open_CiphertextOrPrimaryKeyChanged_Throws()
    {
        using var standby = KeyTransfer.NewEphemeral();
        using var mallory = KeyTransfer.NewEphemeral();
        var sealedTransfer = KeyTransfer.Seal([1, 2, 3, 4], KeyTransfer.PublicKey(standby), Binding);
        var cipher = Convert.FromBase64String(sealedTransfer.Ciphertext);
        cipher[0] ^= 1;

        Assert.ThrowsAny<CryptographicException>(() => KeyTransfer.Open(sealedTransfer with { Ciphertext = Convert.ToBase64String(cipher) }, standby, Binding));
        Assert.ThrowsAny<CryptographicException>(() => KeyTransfer.Open(sealedTransfer with { PrimaryKey = KeyTransfer.PublicKey(mallory) }, standby, Binding));
    }

    [Fact]
    public void PublicKeyProblem_NotAP256Key_SaysWhy()
    {
        using var p384 = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP384);

        Assert.Null(KeyTransfer.PublicKeyProblem(KeyTransfer.PublicKey(KeyTransfer.NewEphemeral())));
        Assert.NotNull(KeyTransfer.PublicKeyProblem(Convert.ToBase64String(p384.ExportSubjectPublicKeyInfo())));
        Assert.NotNull(KeyTransfer.PublicKeyProblem("not base64!"));
        Assert.NotNull(KeyTransfer.PublicKeyProblem(null));
    }
}
