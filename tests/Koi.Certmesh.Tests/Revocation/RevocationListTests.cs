using Koi.Certmesh.Revocation;
using Koi.Testing;

namespace Koi.Certmesh.Tests.Revocation;

/// <summary>The CRL as a real consumer (openssl, the library nginx uses) reads it.</summary>
public sealed class RevocationListTests : IDisposable
{
    private readonly RevocationKit _kit = new();
    private readonly TempDirectory _dir = new();

    [Fact]
    public void Publish_TwoRevoked_OpensslListsBothSerialsIssuerAndCrlNumber()
    {
        using var b = _kit.Issue("stone-b");
        using var c = _kit.Issue("stone-c");
        using var d = _kit.Issue("stone-d");
        var store = new TrustBundleStore(_dir.Combine("trust-bundle.json"), _dir.Combine("crl.pem"));
        var publisher = new TrustBundlePublisher(store, _kit.Time);
        publisher.Publish(_kit.Roster(), _kit.CaCert, _kit.CaKey);
        var held = publisher.Publish(_kit.Roster(("stone-b", b), ("stone-c", c)), _kit.CaCert, _kit.CaKey);
        File.WriteAllBytes(_dir.Combine("crl.der"), held.CrlDer);

        var (exit, text, error) = Tool.Run("openssl", "crl", "-inform", "DER", "-in", _dir.Combine("crl.der"), "-noout", "-text");

        Assert.True(exit == 0, error);
        Assert.Matches(@"Issuer:.*CN ?= ?stone-01", text);
        Assert.Matches(@"X509v3 CRL Number:\s*\n\s*2\b", text);
        var upper = text.Replace(":", string.Empty, StringComparison.Ordinal).ToUpperInvariant();
        Assert.Contains(RevocationKit.Serial(b).ToUpperInvariant(), upper, StringComparison.Ordinal);
        Assert.Contains(RevocationKit.Serial(c).ToUpperInvariant(), upper, StringComparison.Ordinal);
        Assert.DoesNotContain(RevocationKit.Serial(d).ToUpperInvariant(), upper, StringComparison.Ordinal);
    }

    [Fact]
    public void Publish_CrlFile_VerifiesUnderCaWithOpenssl()
    {
        using var b = _kit.Issue("stone-b");
        var store = new TrustBundleStore(_dir.Combine("trust-bundle.json"), _dir.Combine("crl.pem"));
        new TrustBundlePublisher(store, _kit.Time).Publish(_kit.Roster(("stone-b", b)), _kit.CaCert, _kit.CaKey);
        File.WriteAllText(_dir.Combine("ca.pem"), _kit.CaCert.ExportCertificatePem());

        var (exit, _, error) = Tool.Run("openssl", "crl", "-in", store.CrlPath, "-CAfile", _dir.Combine("ca.pem"), "-noout");

        Assert.True(exit == 0, error);
        Assert.Contains("verify OK", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_RevokedLeafAgainstCrl_OpensslRefusesIt_ActiveLeafPasses()
    {
        using var b = _kit.Issue("stone-b");
        using var c = _kit.Issue("stone-c");
        var store = new TrustBundleStore(_dir.Combine("trust-bundle.json"), _dir.Combine("crl.pem"));
        new TrustBundlePublisher(store, _kit.Time).Publish(_kit.Roster(("stone-b", b)), _kit.CaCert, _kit.CaKey);
        File.WriteAllText(_dir.Combine("ca.pem"), _kit.CaCert.ExportCertificatePem());
        File.WriteAllText(_dir.Combine("b.pem"), b.ExportCertificatePem());
        File.WriteAllText(_dir.Combine("c.pem"), c.ExportCertificatePem());
        var at = _kit.Time.GetUtcNow().ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture);

        var revoked = Tool.Run("openssl", "verify", "-attime", at, "-crl_check", "-CAfile", _dir.Combine("ca.pem"), "-CRLfile", store.CrlPath, _dir.Combine("b.pem"));
        var active = Tool.Run("openssl", "verify", "-attime", at, "-crl_check", "-CAfile", _dir.Combine("ca.pem"), "-CRLfile", store.CrlPath, _dir.Combine("c.pem"));

        Assert.NotEqual(0, revoked.ExitCode);
        Assert.Contains("revoked", revoked.Stdout + revoked.Stderr, StringComparison.OrdinalIgnoreCase);
        Assert.True(active.ExitCode == 0, active.Stdout + active.Stderr);
    }

    public void Dispose()
    {
        _kit.Dispose();
        _dir.Dispose();
    }
}
