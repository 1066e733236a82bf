using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Koi.Certmesh.Revocation;
using Koi.Core.Storage;
using Koi.Testing;

namespace Koi.Certmesh.Tests.Revocation;

public sealed class TrustBundleTests : IDisposable
{
    private readonly RevocationKit _kit = new();
    private readonly TempDirectory _dir = new();

    [Fact]
    public void Verify_SignedByPinnedCa_ReturnsRevokedSerialsAndSequence()
    {
        using var b = _kit.Issue("stone-b");
        var publisher = Publisher(out _);
        var held = publisher.Publish(_kit.Roster(("stone-b", b)), _kit.CaCert, _kit.CaKey);

        var bundle = TrustBundleVerifier.Verify(held.Signed, _kit.Fingerprint, heldSequence: null);

        Assert.Equal(1, bundle.Sequence);
        Assert.Equal(_kit.Time.GetUtcNow(), bundle.IssuedAt);
        Assert.Equal(RevocationKit.Serial(b), Assert.Single(bundle.Revoked).Serial);
        Assert.True(held.Trust.IsRevoked(b));
    }

    [Fact]
    public void Verify_OneByteOfPayloadChanged_RejectedAsBadSignature()
    {
        var held = Publisher(out _).Publish(_kit.Roster(), _kit.CaCert, _kit.CaKey);
        var json = Encoding.UTF8.GetString(Convert.FromBase64String(held.Signed.Payload)).Replace("\"sequence\":1", "\"sequence\":9", StringComparison.Ordinal);
        var forged = held.Signed with { Payload = Convert.ToBase64String(Encoding.UTF8.GetBytes(json)) };

        var ex = Assert.Throws<TrustBundleRejectedException>(() => TrustBundleVerifier.Verify(forged, _kit.Fingerprint, null));

        Assert.Equal("bad_signature", ex.Reason);
    }

    [Fact]
    public void Verify_SignedByAnotherCa_RejectedAsWrongCa()
    {
        using var other = new RevocationKit(_kit.Time);
        using var otherDir = new TempDirectory();
        var foreign = new TrustBundlePublisher(new TrustBundleStore(otherDir.Combine("b.json"), otherDir.Combine("crl.pem")), _kit.Time)
            .Publish(other.Roster(), other.CaCert, other.CaKey);

        var ex = Assert.Throws<TrustBundleRejectedException>(() => TrustBundleVerifier.Verify(foreign.Signed, _kit.Fingerprint, null));

        Assert.Equal("wrong_ca", ex.Reason);
    }

    [Fact]
    public void Verify_PinnedCaCertificateButSignedByAnotherKey_RejectedAsBadSignature()
    {
        // An attacker copies the real CA certificate into a bundle of its own making: the pin matches, the key does not.
        using var attacker = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var genuine = Publisher(out _).Publish(_kit.Roster(), _kit.CaCert, _kit.CaKey);
        var forged = TrustBundleSigner.Sign(genuine.Bundle with { Sequence = 99, Revoked = [] }, attacker);

        var ex = Assert.Throws<TrustBundleRejectedException>(() => TrustBundleVerifier.Verify(forged, _kit.Fingerprint, 1));

        Assert.Equal("bad_signature", ex.Reason);
    }

    [Fact]
    public void Verify_OlderSequenceThanHeld_RejectedAsReplay()
    {
        using var b = _kit.Issue("stone-b");
        var publisher = Publisher(out _);
        var first = publisher.Publish(_kit.Roster(), _kit.CaCert, _kit.CaKey);
        _kit.Time.Advance(TimeSpan.FromMinutes(1));
        var second = publisher.Publish(_kit.Roster(("stone-b", b)), _kit.CaCert, _kit.CaKey);

        var ex = Assert.Throws<TrustBundleRejectedException>(() => TrustBundleVerifier.Verify(first.Signed, _kit.Fingerprint, second.Bundle.Sequence));

        Assert.Equal("older", ex.Reason);
        Assert.Equal(2, second.Bundle.Sequence);
    }

    [Fact]
    public void Apply_OlderBundleAfterNewer_RefusedAndRevocationKept()
    {
        using var b = _kit.Issue("stone-b");
        var publisher = Publisher(out _);
        var first = publisher.Publish(_kit.Roster(), _kit.CaCert, _kit.CaKey);
        publisher.Publish(_kit.Roster(("stone-b", b)), _kit.CaCert, _kit.CaKey);
        var member = new TrustBundleStore(_dir.Combine("member-bundle.json"), _dir.Combine("member-crl.pem"));
        member.Apply(publisher.Store.Held!.Signed, publisher.Store.Held.Bundle);

        Assert.Throws<TrustBundleRejectedException>(() => member.Apply(first.Signed, first.Bundle));

        Assert.True(member.Current.IsRevoked(b));
        Assert.Equal(2, member.Current.Sequence);
    }

    [Fact]
    public void Load_KeptBundle_VerifiedAgainAndCurrent()
    {
        using var b = _kit.Issue("stone-b");
        Publisher(out var store).Publish(_kit.Roster(("stone-b", b)), _kit.CaCert, _kit.CaKey);
        var reopened = new TrustBundleStore(store.BundlePath, store.CrlPath);

        var held = reopened.Load(_kit.Fingerprint);

        Assert.NotNull(held);
        Assert.True(reopened.Current.IsRevoked(b));
        Assert.Contains("BEGIN X509 CRL", File.ReadAllText(store.CrlPath), StringComparison.Ordinal);
    }

    [Fact]
    public void Load_BundleFileEditedOnDisk_Refused()
    {
        using var b = _kit.Issue("stone-b");
        Publisher(out var store).Publish(_kit.Roster(("stone-b", b)), _kit.CaCert, _kit.CaKey);
        var signed = JsonSerializer.Deserialize<SignedTrustBundle>(File.ReadAllText(store.BundlePath), CertmeshTestJson.Options)!;
        var payload = Encoding.UTF8.GetString(Convert.FromBase64String(signed.Payload));
        var cleared = payload.Replace(RevocationKit.Serial(b), RevocationKit.Serial(b)[..^2] + "00", StringComparison.Ordinal);
        File.WriteAllText(store.BundlePath, JsonSerializer.Serialize(signed with { Payload = Convert.ToBase64String(Encoding.UTF8.GetBytes(cleared)) }, CertmeshTestJson.Options));

        var ex = Assert.Throws<TrustBundleRejectedException>(() => new TrustBundleStore(store.BundlePath, store.CrlPath).Load(_kit.Fingerprint));

        Assert.Equal("bad_signature", ex.Reason);
    }

    [Fact]
    public void IsDue_RosterRevokesMoreThanBundle_True_AfterPublish_FalseUntilHalfTheCrlValidity()
    {
        using var b = _kit.Issue("stone-b");
        var publisher = Publisher(out _);
        publisher.Publish(_kit.Roster(), _kit.CaCert, _kit.CaKey);
        var roster = _kit.Roster(("stone-b", b));

        Assert.True(publisher.IsDue(roster));
        publisher.Publish(roster, _kit.CaCert, _kit.CaKey);
        Assert.False(publisher.IsDue(roster));
        _kit.Time.Advance(TrustBundlePublisher.CrlValidity(roster.Metadata.Policy) / 2);
        Assert.True(publisher.IsDue(roster));
    }

    public void Dispose()
    {
        _kit.Dispose();
        _dir.Dispose();
    }

    private TrustBundlePublisher Publisher(out TrustBundleStore store)
    {
        store = new TrustBundleStore(_dir.Combine("trust-bundle.json"), _dir.Combine("crl.pem"));
        return new TrustBundlePublisher(store, _kit.Time);
    }
}
